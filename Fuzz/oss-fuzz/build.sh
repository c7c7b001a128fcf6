#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for JidoGuard's fuzzers (Fuzz/Package.swift).
#
# In the base-builder-swift image, `precompile_swift` exports $SWIFTFLAGS:
#   -Xswiftc -parse-as-library -Xswiftc -static-stdlib --static-swift-stdlib
#   -Xswiftc -sanitize=fuzzer,$SANITIZER --sanitize=$SANITIZER  (+ $CFLAGS as -Xcc=...)
# (it also exports $SWIFT6_2FLAGS for tools-version 6.2+ manifests; Fuzz/Package.swift is 6.0, and
# on Swift 6.3.1 the `--sanitize=fuzzer --sanitize=address` pair in SWIFT6_2FLAGS silently drops
# one of the two instrumentations, so $SWIFTFLAGS is the one to use).
# Outside that image (a local dry run), set $SRC, $OUT, $WORK and $SWIFTFLAGS yourself.
#
# Produces in $OUT, per fuzzer: the binary, <fuzzer>_seed_corpus.zip (Corpus/<fuzzer>/ and
# Corpus/regressions/), <fuzzer>.dict and <fuzzer>.options (max_len, timeout).

if command -v precompile_swift >/dev/null 2>&1; then
    # shellcheck source=/dev/null
    . precompile_swift
fi
: "${SRC:?}" "${OUT:?}" "${SWIFTFLAGS:?set by precompile_swift}"

cd "$SRC/jidoguard"
fuzzers="decode verify session differential fastpath"

# --sanitize=fuzzer: without it SwiftPM links each executable with `--defsym main=<target>_main` (its
#   testable-executable entry point), which a fuzzer does not have ("undefined symbol 'verify_main'");
#   with it SwiftPM links libFuzzer's main instead. $SWIFTFLAGS still carries
#   `-Xswiftc -sanitize=fuzzer,$SANITIZER`, so both instrumentations stay (checked: the binaries call
#   __asan_report_* and __sanitizer_cov_* from JidoCore's parser).
# The checks are the main package's JidoFuzzChecks library, which uses JidoCore's `package` API (no
#   `@testable`), so no -enable-testing.
read -r -a swiftflags <<<"$SWIFTFLAGS"
flags=(--package-path Fuzz -c release "${swiftflags[@]}" --sanitize=fuzzer)
swift build "${flags[@]}"
bin_dir=$(swift build "${flags[@]}" --show-bin-path)

for fuzzer in $fuzzers; do
    cp "$bin_dir/$fuzzer" "$OUT/$fuzzer"
    rm -f "$OUT/${fuzzer}_seed_corpus.zip"
    zip -q -j "$OUT/${fuzzer}_seed_corpus.zip" Corpus/"$fuzzer"/* Corpus/regressions/*
    cp Corpus/json.dict "$OUT/$fuzzer.dict"
    case "$fuzzer" in
        verify | session) max_len=1048576 timeout=180 ;;
        *) max_len=8192 timeout=10 ;;
    esac
    printf '[libfuzzer]\nmax_len = %s\ntimeout = %s\nrss_limit_mb = 2048\nmalloc_limit_mb = 2048\n' "$max_len" "$timeout" > "$OUT/$fuzzer.options"
done
