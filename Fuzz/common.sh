# shellcheck shell=bash
# Shared by the Fuzz/ scripts (sourced, not run). The caller has cd'ed to the repository root.

FUZZ_TARGETS=(decode verify session differential)

# ASan + libFuzzer, release. `-sanitize=fuzzer,address` in ONE -Xswiftc: SwiftPM's
# `--sanitize=fuzzer --sanitize=address` pair silently drops one instrumentation on this toolchain.
# `--sanitize=fuzzer` makes SwiftPM link libFuzzer (its `main`); a static stdlib keeps the Swift
# backtracer from catching crashes before libFuzzer can write the reproducer. No `-enable-testing`:
# the checks (the main package's JidoFuzzChecks) use JidoCore's `package` API, not `@testable`.
# shellcheck disable=SC2054  # the comma in -sanitize=fuzzer,address is meant
FUZZ_BUILD_FLAGS=(
    --package-path Fuzz -c release
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
    -Xswiftc -warnings-as-errors
    --static-swift-stdlib
)

# Largest input per target (-max_len). verify and session take whole session files (the 200-message
# vector is 53 KB; real sessions reach megabytes): 1 MiB. decode and differential are capped at
# 8 KiB: everything they check (nesting to the 512 limit, every token, escape and number form,
# duplicates, both object lookup paths) fits in far less, while the work per input grows with size
# (decode re-decodes a canonical encoding that pretty printing makes up to ~2x depth times larger;
# differential also runs Foundation). Measured here with ASan and value profiling, decode ran at
# 3,800 exec/s with 64 KiB and 9,900 exec/s with 8 KiB. Larger documents are verify's job.
fuzz_max_len() {
    case "$1" in
        verify | session) echo 1048576 ;;
        *) echo 8192 ;;
    esac
}

fuzz_check_target() {
    local t
    for t in "${FUZZ_TARGETS[@]}"; do [ "$t" = "$1" ] && return 0; done
    echo "error: unknown fuzz target '$1' (one of: ${FUZZ_TARGETS[*]})" >&2
    exit 2
}

fuzz_bin_dir() { swift build "${FUZZ_BUILD_FLAGS[@]}" --show-bin-path; }

# The fuzzer binary for a target, building it when missing.
fuzz_binary() {
    local bin
    bin="$(fuzz_bin_dir)/$1"
    if [ ! -x "$bin" ]; then Fuzz/build "$1" >&2; fi
    echo "$bin"
}

# Environment for every fuzzer run: no Swift backtracer (libFuzzer must see the crash and write the
# reproducer), leaks reported, an abort() treated as a crash.
fuzz_env() {
    export SWIFT_BACKTRACE=enable=no
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:handle_abort=1}"
}
