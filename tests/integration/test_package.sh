#!/bin/bash
# The Debian package (issue 13, item 5): configures a tree for /usr with only what
# is installed (-DLULL_TESTS=OFF), builds it, runs `cpack -G DEB`, checks the
# package's contents and control fields, runs lintian (zero errors; warnings are
# printed and listed in docs/packaging.md), then installs it with dpkg into a
# scratch root and runs the installed programs there.
#
# The scratch root is this machine's own system seen through an overlay (lower /,
# upper a temporary directory, in a private mount namespace): dpkg -i runs in a
# chroot of it, with the real dpkg database, so Depends are checked and postinst
# really creates the lull user, while nothing reaches the host. The source and
# build trees are hidden under empty tmpfs mounts inside it, which proves the
# installed programs need neither. Not a debootstrap'd minimal system (no network
# here for one): a missing Depends that this machine happens to have installed
# would go unnoticed; dpkg-shlibdeps derives the library Depends from the binaries.
# Needs root (mounts, chroot); skipped (77) otherwise. About a minute when warm.
set -u
src=${LULL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${LULL_BIN:-$src/build/bin}
build=$(cd "$bin/.." && pwd)/package     # the package's own build tree, kept for reruns
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root (overlay mount and chroot for the install check)"
    exit 77
fi
for t in cpack dpkg-deb dpkg-shlibdeps lintian unshare chroot; do
    command -v "$t" >/dev/null || { echo "FAIL: $t is missing (sudo tools/install-deps.sh)"; exit 1; }
done

t0=$(date +%s)
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
      -DLULL_TESTS=OFF -DLULL_WERROR=ON >"$build.log" 2>&1 &&
    cmake --build "$build" -j"$(nproc)" >>"$build.log" 2>&1 ||
    { tail -30 "$build.log"; echo "FAIL: the package build (log: $build.log)"; exit 1; }
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >>"$build.log" 2>&1) || { tail -20 "$build.log"; echo "FAIL: cpack"; exit 1; }
deb=$(ls "$build"/lull_*.deb 2>/dev/null | head -n 1)
[ -f "$deb" ] || { echo "FAIL: cpack made no .deb"; exit 1; }
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) kB) in $(( $(date +%s) - t0 )) s"

# ---- contents and control fields ----
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's#^\./#/#')
for p in /usr/bin/lull /usr/bin/lulld /usr/lib/lull/plugins/osc.so /usr/lib/lull/plugins/sampler.so \
         /usr/share/lull/presets/default.json /usr/share/lull/presets/sounds/brook.flac \
         /usr/share/lull/devices/emotibit.map /usr/share/doc/lull/daemon.md \
         /usr/share/doc/lull/copyright /usr/share/doc/lull/changelog.Debian.gz \
         /usr/share/man/man1/lull.1.gz /usr/share/man/man1/lulld.1.gz \
         /lib/systemd/system/lulld.service /etc/lull/lulld.conf \
         /usr/include/lull/plugin.h /usr/share/pkgconfig/lull-plugin.pc \
         /usr/share/cmake/lull-plugin/lull-plugin-config.cmake; do
    printf '%s\n' "$contents" | grep -qx "$p" || fail "the package lacks $p"
done
if [ -x "$bin/lull-web" ]; then
    for p in /usr/bin/lull-web /usr/share/lull/web/index.html /lib/systemd/system/lull-web.service \
             /usr/share/man/man1/lull-web.1.gz; do
        printf '%s\n' "$contents" | grep -qx "$p" || fail "the package lacks $p"
    done
fi
if printf '%s\n' "$contents" | grep -E '^/usr/local|/test-plugins/|/bad_|bench_'; then
    fail "the package holds files it should not (above)"
fi
npresets=$(printf '%s\n' "$contents" | grep -c '^/usr/share/lull/presets/[^/]*\.json$')
echo "contents: $(printf '%s\n' "$contents" | grep -vc '/$') files, $npresets presets"
ctrl=$(dpkg-deb --field "$deb")
printf '%s\n' "$ctrl" | grep -E '^(Package|Version|Depends|Recommends):'
for dep in adduser libjack libsndfile1 libfftw3 libjansson4; do
    printf '%s\n' "$ctrl" | grep -q "^Depends:.*$dep" || fail "Depends lacks $dep (shlibdeps)"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -q 'conffiles' || fail "no conffiles in the control area"
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = "/etc/lull/lulld.conf" ] ||
    fail "conffiles is not exactly /etc/lull/lulld.conf"
grep -q '^ExecStart=/usr/bin/lulld ' <(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/lulld.service) ||
    fail "the installed lulld.service does not start /usr/bin/lulld"

# ---- lintian ----
lint=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges')
errors=$(printf '%s\n' "$lint" | grep -c '^E:')
warnings=$(printf '%s\n' "$lint" | grep -c '^W:')
printf '%s\n' "$lint" | grep -E '^(E|W):'
echo "lintian: $errors errors, $warnings warnings"
[ "$errors" -eq 0 ] || fail "lintian reports $errors errors"

# ---- install into a scratch root and run the installed programs ----
scratch=$(mktemp -d /tmp/lull-pkgroot.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/upper" "$scratch/work" "$scratch/root"
cp "$deb" "$scratch/lull.deb"
cat >"$scratch/inside.sh" <<'INSIDE'
#!/bin/sh
# Runs in the chroot, with a clean environment.
set -u
r=0
say() { echo "  [root] $*"; }
if dpkg -i /tmp/pkg/lull.deb >/tmp/pkg/dpkg.log 2>&1; then say "dpkg -i: installed"; else
    cat /tmp/pkg/dpkg.log; echo "FAIL: dpkg -i"; exit 1; fi
dpkg -s lull | grep -q '^Status: install ok installed' || { echo "FAIL: dpkg -s"; r=1; }
getent passwd lull >/dev/null && say "user: $(getent passwd lull)" || { echo "FAIL: postinst made no lull user"; r=1; }
id -nG lull | grep -qw audio && say "lull is in group audio" || { echo "FAIL: lull not in group audio"; r=1; }
v=$(lull --version) && say "lull --version: $v" || { echo "FAIL: lull --version"; r=1; }
lulld --version >/dev/null || { echo "FAIL: lulld --version"; r=1; }
out=$(lull validate /usr/share/lull/presets/*.json 2>&1) || { echo "$out"; echo "FAIL: lull validate"; r=1; }
say "validate: $(printf '%s\n' "$out" | grep -c ': ok$') presets ok"
cd /tmp/pkg
if lull render --preset surf --seconds 3 --format wav16 -o /tmp/pkg/surf.wav 2>/tmp/pkg/render.log; then
    say "$(tail -n 1 /tmp/pkg/render.log)"
else cat /tmp/pkg/render.log; echo "FAIL: lull render"; r=1; fi
lull render --preset brook --seconds 2 -o /tmp/pkg/brook.flac 2>/tmp/pkg/render2.log ||
    { cat /tmp/pkg/render2.log; echo "FAIL: lull render (a preset with sound files)"; r=1; }
# A node type that is not there: the error names the directory searched and the way to add one.
printf '%s' '{"lull_preset": 1, "name": "x", "nodes": [{"name": "a", "type": "nosuch"}], "connections": []}' >/tmp/pkg/x.json
msg=$(lull validate /tmp/pkg/x.json 2>&1)
case "$msg" in *"/usr/lib/lull/plugins"*LULL_PLUGIN_DIR*) say "unknown node: names /usr/lib/lull/plugins and LULL_PLUGIN_DIR";;
    *) echo "$msg"; echo "FAIL: the unknown-node error does not name the plugin directory"; r=1;; esac
man -w lull >/dev/null 2>&1 || command -v man >/dev/null || say "(man is not installed here)"
exit $r
INSIDE
chmod +x "$scratch/inside.sh"
unshare -m --propagation private sh -c '
    set -e
    s=$1; src=$2; build=$3
    m=$s/root
    mount -t overlay overlay -o lowerdir=/,upperdir=$s/upper,workdir=$s/work "$m"
    mount -t proc proc "$m/proc"
    mount --rbind /dev "$m/dev"
    mount -t tmpfs tmpfs "$m/tmp"
    mkdir -p "$m/tmp/pkg"
    cp "$s/lull.deb" "$s/inside.sh" "$m/tmp/pkg/"
    # Hide the source and build trees: the installed programs must not need them.
    for d in "$src" "$build/.."; do [ -d "$m$d" ] && mount -t tmpfs tmpfs "$m$d"; done
    # No lull from an earlier hand install in the way.
    for d in /usr/local/lib/lull /usr/local/share/lull; do [ -d "$m$d" ] && mount -t tmpfs tmpfs "$m$d"; done
    chroot "$m" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 /tmp/pkg/inside.sh
' sh "$scratch" "$src" "$build"
rc=$?
[ $rc -eq 0 ] && ok "installed into a scratch root; the installed programs ran" || fail "the install check (exit $rc)"
[ -e /usr/bin/lull ] && ! dpkg -s lull >/dev/null 2>&1 && echo "note: /usr/bin/lull exists on this host (not from the package)"
echo "test_package: $(( $(date +%s) - t0 )) s"
if [ $fails -eq 0 ]; then echo "1 passed, 0 failed"; exit 0; fi
echo "0 passed, 1 failed ($fails problems)"
exit 1
