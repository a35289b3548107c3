# Helpers for the tablet tests (source after lib.sh): lull-web on a free TCP port.

# free_tcp_port: a free TCP port on loopback.
free_tcp_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

WEB_PID=""
# start_web [ARGS...]: lull-web on $WEB_PORT (kept across restarts) bridged to
# lulld's $OSC_PORT, PIN in $TEST_TMP/pin; waits until it answers HTTP. No DNS-SD
# unless WEB_MDNS is set (to an empty string, or to other arguments).
start_web() {
    [ -x "$LULL_BIN/lull-web" ] || fail "no $LULL_BIN/lull-web (libwebsockets-dev missing at build?)"
    WEB_PORT="${WEB_PORT:-$(free_tcp_port)}"
    "$LULL_BIN/lull-web" --port "$WEB_PORT" --osc "127.0.0.1:$OSC_PORT" --root "$SRC/web" \
        --pin-file "$TEST_TMP/pin" --room "Test Room" ${WEB_MDNS---no-mdns} "$@" \
        >>"$TEST_TMP/web.log" 2>&1 &
    WEB_PID=$!
    EXTRA_PIDS+=("$WEB_PID")
    local i
    for i in $(seq 1 50); do
        kill -0 "$WEB_PID" 2>/dev/null || fail "lull-web exited: $(tail -n 5 "$TEST_TMP/web.log")"
        if python3 -c "import socket,sys; socket.create_connection(('${WEB_HOST:-127.0.0.1}', $WEB_PORT), 0.2)" 2>/dev/null
        then return 0; fi
        sleep 0.1
    done
    fail "lull-web did not listen within 5 s"
}

stop_web() {
    [ -n "$WEB_PID" ] || return 0
    kill "$WEB_PID" 2>/dev/null || true
    wait "$WEB_PID" 2>/dev/null || true
    WEB_PID=""
}

# skip REASON: a test that cannot run here says why and passes.
skip() {
    echo "[$TEST_NAME] SKIP: $*" >&2
    exit 0
}
