#!/bin/bash
# The plugin SDK for out-of-tree builds (issue 13, item 6): installs this build into
# a temporary prefix, then builds plugins/examples/breath_tone.c there the way a
# sound designer would, outside the project:
#   cc -shared -fPIC $(pkg-config --cflags lull-plugin) breath_tone.c -o breath_tone.so
# and once more with CMake's find_package(lull-plugin); `lull plugin-check` passes
# both, and the installed lull renders the example preset with the node found
# through LULL_PLUGIN_DIR, which adds to the default plugin directory.
set -u
src=${LULL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${LULL_BIN:-$src/build/bin}
build=$(cd "$bin/.." && pwd)
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
for t in cc pkg-config cmake; do
    command -v "$t" >/dev/null || { echo "FAIL: $t is missing (sudo tools/install-deps.sh)"; exit 1; }
done
tmp=$(mktemp -d /tmp/lull-sdk.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { tail -20 "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }
[ -f "$prefix/include/lull/plugin.h" ] || fail "plugin.h is not installed"
[ -f "$prefix/share/pkgconfig/lull-plugin.pc" ] || fail "lull-plugin.pc is not installed"

# 1. pkg-config, with the project's own warning flags: the header must be clean.
export PKG_CONFIG_PATH=$prefix/share/pkgconfig
cflags=$(pkg-config --cflags lull-plugin) || fail "pkg-config --cflags lull-plugin"
echo "pkg-config --cflags lull-plugin: $cflags"
echo "pkg-config --modversion lull-plugin: $(pkg-config --modversion lull-plugin)"
incdir=$(pkg-config --variable=includedir lull-plugin)
[ "$(realpath "$incdir")" = "$(realpath "$prefix/include")" ] ||
    fail "includedir $incdir is not the prefix's include/"
mkdir -p "$tmp/designer"
cp "$src/plugins/examples/breath_tone.c" "$src/plugins/examples/breath_tone.json" "$tmp/designer/"
(cd "$tmp/designer" &&
    cc -O2 -Wall -Wextra -Werror -shared -fPIC $cflags breath_tone.c -o breath_tone.so \
       $(pkg-config --libs lull-plugin)) || fail "cc with pkg-config"
if [ -f "$tmp/designer/breath_tone.so" ]; then
    "$prefix/bin/lull" plugin-check "$tmp/designer/breath_tone.so" >"$tmp/check.log" 2>&1 &&
        ok "pkg-config build passes lull plugin-check" ||
        { cat "$tmp/check.log"; fail "plugin-check (pkg-config build)"; }
    tail -n 3 "$tmp/check.log"
fi

# 2. CMake package config.
mkdir -p "$tmp/cmakeproj"
cp "$src/plugins/examples/breath_tone.c" "$tmp/cmakeproj/"
cat >"$tmp/cmakeproj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(mynode C)
find_package(lull-plugin REQUIRED)
add_library(breath_tone MODULE breath_tone.c)
set_target_properties(breath_tone PROPERTIES PREFIX "" C_STANDARD 11)
target_link_libraries(breath_tone PRIVATE lull::plugin)
CM
if cmake -S "$tmp/cmakeproj" -B "$tmp/cmakeproj/b" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/cm.log" 2>&1 &&
   cmake --build "$tmp/cmakeproj/b" >>"$tmp/cm.log" 2>&1; then
    "$prefix/bin/lull" plugin-check "$tmp/cmakeproj/b/breath_tone.so" >"$tmp/check2.log" 2>&1 &&
        ok "find_package(lull-plugin) build passes lull plugin-check" ||
        { cat "$tmp/check2.log"; fail "plugin-check (CMake build)"; }
else
    cat "$tmp/cm.log"; fail "the CMake package config build"
fi

# 3. Render the example with the designer's node: LULL_PLUGIN_DIR adds to the defaults,
# so the shipped nodes stay and the designer's breath_tone comes first.
mkdir -p "$tmp/designer/nodes"
mv "$tmp/designer/breath_tone.so" "$tmp/designer/nodes/" 2>/dev/null
if (cd "$tmp/designer" && LULL_PLUGIN_DIR=$tmp/designer/nodes "$bin/lull" render \
        --preset breath_tone.json --seconds 2 --format wav16 -o out.wav) 2>"$tmp/render.log"; then
    ok "$(tail -n 1 "$tmp/render.log")"
else
    cat "$tmp/render.log"; fail "render with the out-of-tree node"
fi
if [ $fails -eq 0 ]; then echo "1 passed, 0 failed"; exit 0; fi
echo "0 passed, 1 failed ($fails problems)"
exit 1
