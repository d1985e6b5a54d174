#!/usr/bin/env bash
# Fuzzes one parser of LowSlowExfil for a given time. See README.md beside this file.
#
#   tests/Fuzz/run.sh <target> <seconds> [afl|libfuzzer]     (default: afl)
#   tests/Fuzz/run.sh <target> --minimize                    afl-cmin over the corpus and what the last runs found;
#                                                            keeps up to 25 small finds in corpus/<target>/found-*
#
# Targets: csv cef json gzip proxycsv response. Builds the harness into out/fuzz/<target>/bin, instruments
# LowSlowExfil.Core.dll and LowSlowExfil.Engine.dll there with the sharpfuzz tool (.config/dotnet-tools.json),
# then runs afl-fuzz (Debian package afl++) or libFuzzer (clang's, Debian packages clang and libclang-rt-14-dev,
# through libfuzzer-driver.c) from the seeds in tests/Fuzz/corpus/<target>/ for <seconds>. Findings land in
# out/fuzz/<target>/ and are replayed at the end with their stack traces; each one belongs in
# tests/LowSlowExfil.Tests/FuzzCases/ with a test in FuzzRegressionTests.cs once the parser is fixed.
# Not part of build.ps1 Test (the corpus and the cases are: CorpusReplayTests, FuzzRegressionTests).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
targets="csv cef json gzip proxycsv response"

usage() { echo "usage: $0 <$(echo $targets | tr ' ' '|')> <seconds> [afl|libfuzzer] | <target> --minimize" >&2; exit 2; }
[ $# -ge 2 ] || usage
target="$1"; shift
case " $targets " in *" $target "*) ;; *) usage ;; esac
mode="$1"; shift
engine="${1:-afl}"

work="$root/out/fuzz/$target"
bin="$work/bin"
dll="$bin/LowSlowExfil.Fuzz.dll"
seeds="$here/corpus/$target"
dict="$here/dict/$target.dict"
mkdir -p "$work"

need() { command -v "$1" >/dev/null 2>&1 || { echo "$0: '$1' is missing; $2" >&2; exit 1; }; }

build() {
    need dotnet "install the .NET SDK"
    (cd "$root" && dotnet tool restore >/dev/null)
    echo "== building and instrumenting the harness into $bin"
    rm -rf "$bin" "$work/artifacts"
    # Its own obj/ and bin/ (--artifacts-path): a build of the module or of another target running at the same time
    # cannot hand this one a stale or half-written assembly through the projects' shared obj/ folders.
    dotnet build "$here/LowSlowExfil.Fuzz.csproj" -c Release --artifacts-path "$work/artifacts" --nologo -v quiet \
        -p:TreatWarningsAsErrors=true >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
    cp -r "$work/artifacts/bin/LowSlowExfil.Fuzz/release" "$bin"
    for a in LowSlowExfil.Core LowSlowExfil.Engine; do
        (cd "$root" && dotnet sharpfuzz "$bin/$a.dll" >/dev/null)
    done
}

replay() {  # replay <files...>: stack traces of the findings (the instrumented build runs fine outside a fuzzer)
    [ $# -gt 0 ] || return 0
    dotnet "$dll" "$target" --replay "$@" | grep -v '^ok ' || true
}

if [ "$mode" = "--minimize" ]; then
    need afl-cmin "apt-get install afl++"
    [ -x "$dll" ] || [ -f "$dll" ] || build
    pool="$work/minimize-pool"; out="$work/minimized"
    rm -rf "$pool" "$out"; mkdir -p "$pool"
    cp "$seeds"/* "$pool"/
    for q in "$work"/afl/default/queue "$work"/libfuzzer/corpus; do
        [ -d "$q" ] && find "$q" -maxdepth 1 -type f -size -64k -exec cp {} "$pool"/ \;
    done
    echo "== afl-cmin over $(ls "$pool" | wc -l) inputs"
    dotnet_bin="$(readlink -f "$(command -v dotnet)")"   # afl-cmin wants the program's real path
    AFL_SKIP_BIN_CHECK=1 AFL_FORKSRV_INIT_TMOUT=60000 afl-cmin -i "$pool" -o "$out" -t 10000 -m none -- "$dotnet_bin" "$dll" "$target"
    echo "== minimized corpus: $out ($(ls "$out" | wc -l) files, $(du -sh "$out" | cut -f1))"
    # Keep the repository's corpus small: the seeds, plus at most 25 of the inputs the fuzzer found (16 B to 2 KB,
    # spread over the order they were found in) as found-<id>, replacing the ones an earlier run kept.
    rm -f "$seeds"/found-*
    mapfile -t picks < <(find "$out" -maxdepth 1 -type f -name 'id*' -size +15c -size -2049c | sort)
    n=${#picks[@]}; keep=$(( n < 25 ? n : 25 ))
    for ((i = 0; i < keep; i++)); do
        f="${picks[$(( i * n / keep ))]}"
        id="$(basename "$f" | sed -E 's/^id[:_]0*([0-9]+).*/\1/')"
        cp "$f" "$seeds/found-$(printf '%06d' "$id")"
        chmod 644 "$seeds/found-$(printf '%06d' "$id")"
    done
    echo "== kept $keep of them in $seeds (found-*); tests/LowSlowExfil.Tests FuzzCorpusTests replays them"
    exit 0
fi

seconds="$mode"
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
build

case "$engine" in
afl)
    need afl-fuzz "apt-get install afl++"
    out="$work/afl"
    echo "== afl-fuzz on '$target' for $seconds s (findings: $out/default/crashes, $out/default/hangs)"
    extra=()
    [ -f "$dict" ] && extra+=(-x "$dict")
    [ -d "$out/default/queue" ] && rm -rf "$out"   # a fresh campaign from the seeds each time
    # The target is 'dotnet', not an afl-instrumented binary; SharpFuzz's out-of-process fork server restarts the
    # .NET child after a hang. No core_pattern or CPU governor on a container: don't wait for them.
    AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 \
    AFL_NO_AFFINITY=1 AFL_TESTCACHE_SIZE=2 \
        afl-fuzz -i "$seeds" -o "$out" -t 5000 -m none -V "$seconds" "${extra[@]}" -- dotnet "$dll" "$target" \
        > "$work/afl.log" 2>&1 || { tail -n 40 "$work/afl.log"; exit 1; }
    stats="$out/default/fuzzer_stats"
    grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg|stability)' "$stats" || true
    crashes=( $(find "$out/default/crashes" "$out/default/hangs" -type f ! -name README.txt 2>/dev/null | sort) )
    ;;
libfuzzer)
    need clang "apt-get install clang libclang-rt-14-dev"
    driver="$root/out/fuzz/libfuzzer-driver"
    clang -O1 -fsanitize=fuzzer "$here/libfuzzer-driver.c" -o "$driver"
    out="$work/libfuzzer"
    mkdir -p "$out/corpus" "$out/artifacts"
    echo "== libFuzzer on '$target' for $seconds s (findings: $out/artifacts)"
    extra=()
    [ -f "$dict" ] && extra+=(-dict="$dict")
    # libFuzzer stops at the first finding; run again until the time is up.
    end=$(( $(date +%s) + seconds ))
    while [ "$(date +%s)" -lt "$end" ]; do
        left=$(( end - $(date +%s) ))
        "$driver" -max_total_time="$left" -timeout=10 -max_len=65536 -print_final_stats=1 "${extra[@]}" \
            -artifact_prefix="$out/artifacts/" "$out/corpus" "$seeds" --dotnet="$dll" --target="$target" \
            >> "$work/libfuzzer.log" 2>&1 || true
    done
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)' "$work/libfuzzer.log" | tail -n 3 || true
    crashes=( $(find "$out/artifacts" -type f | sort) )
    ;;
*) usage ;;
esac

echo "== ${#crashes[@]} finding(s)"
replay "${crashes[@]}"
