# shellcheck shell=bash
# Shared by the Fuzz/ scripts (sourced, not run). The caller has cd'ed to the repository root.

FUZZ_TARGETS=(decode verify session differential fastpath)

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

# Limits of every fuzzer run (Fuzz/run, Fuzz/prove-limits), from measurement: one replay of each
# adversarial seed (Corpus/adversarial/<max_len>/, written by `jido-bench adversarial --write-seeds`),
# ASan + libFuzzer, release, 2 shared cores (December 2026; see Fuzz/README.md for the table):
#   worst time: session 15.7 s (1 MiB ambiguous-keys), verify 8.9 s (many-keys), decode and
#   differential 0.13 s (8 KiB); ~41 s for verify once under heavy load. The checks are linear:
#   session on many-keys took 8.2 / 13.3 / 34.5 s at 0.5 / 1 / 2 MiB.
#   worst peak RSS: 427 MB (verify, many-containers), 388 MB (session, many-keys), 113 MB (8 KiB).
# -timeout (fuzz_timeout, per size class): 180 s for the 1 MiB targets, over 4x the worst loaded
#   time and over 10x the unloaded one; a quadratic regression at 1 MiB (~95,000 keys: ~4.5e9
#   element copies or compares at a few ns each under ASan) takes many times that
#   (Fuzz/prove-limits: the planted set copy per key runs into it). 10 s for the 8 KiB targets
#   (worst 0.13 s, ~75x): an 8 KiB input that takes seconds is a hang worth a reproducer.
# -rss_limit_mb=2048 and -malloc_limit_mb=2048: ~5x the worst peak; a full pointer per duplicate
#   (1 MiB deep-many-duplicates: 87,000 duplicates x a 520 KB pointer = 45 GB) crosses it at once.
FUZZ_LIMIT_FLAGS=(-rss_limit_mb=2048 -malloc_limit_mb=2048)

# libFuzzer's -timeout (seconds per input) for TARGET, from its size class (see above).
fuzz_timeout() {
    if [ "$(fuzz_max_len "$1")" -gt 8192 ]; then echo 180; else echo 10; fi
}

# The adversarial seeds replayed before fuzzing TARGET (its size class, -max_len).
fuzz_adversarial_dir() { echo "Corpus/adversarial/$(fuzz_max_len "$1")"; }

# Replays TARGET's adversarial seeds once under FUZZ_LIMIT_FLAGS (stops at the first crash, timeout
# or OOM; artifacts under ARTIFACT_PREFIX). Exit status: libFuzzer's.
fuzz_replay_adversarial() {
    local bin=$1 target=$2 prefix=$3
    "$bin" "${FUZZ_LIMIT_FLAGS[@]}" -timeout="$(fuzz_timeout "$target")" -max_len="$(fuzz_max_len "$target")" -artifact_prefix="$prefix" \
        "$(fuzz_adversarial_dir "$target")"/*.json
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
