#!/usr/bin/env bash
# Instructions per message on a Cortex-M4: firmware/mcu-cost in QEMU (mps2-an386) with
# `-icount shift=0`, where the virtual clock advances one ns per executed instruction, so
# the board's own clock read around a loop of N messages counts instructions. Prints ONE
# table, next to the reference's published STM32H563 figures (cycles). See docs/mcu-cost.md.
#
#   scripts/mcu-cost.sh                    20,000 messages per case: the figures for the docs
#   scripts/mcu-cost.sh --quick            2,000 messages per case (CI; figures move by < 1)
#   scripts/mcu-cost.sh --profile [CASE]   where each case's instructions go, per function
#                                          and message (QEMU's execution trace, 1,000 messages)
#
# Exits 1 if the firmware read a wrong value (a broken hand-off), if QEMU's clock is not one
# ns per instruction (the calibration loop), or if a buffer hand-off costs more than
# CEILING instructions (twice the goal), so the measurement cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."

messages=20000
profile=0
case "${1:-}" in
    --quick) messages=2000; shift ;;
    --profile) messages=1000; profile=1; shift ;;
esac
if [[ $profile -eq 0 && $# -gt 0 ]]; then
    echo "usage: scripts/mcu-cost.sh [--quick | --profile [CASE ...]]" >&2
    exit 2
fi

GOAL=300
CEILING=$((2 * GOAL))
qemu="${AIMDB_QEMU:-qemu-system-arm}"
command -v "$qemu" >/dev/null || { echo "$qemu is not installed (apt-get install qemu-system-arm)" >&2; exit 1; }

# The firmware workspace has its own target dir and flags (see firmware/README.md).
(cd firmware && env -u CARGO_TARGET_DIR -u RUSTFLAGS cargo build --release --quiet -p mcu-cost)
elf=firmware/target/thumbv7em-none-eabihf/release/mcu-cost

# The one command line (scripts/qemu-mps2.sh), plus -icount; UART0 unused, no network.
# `-icount shift=0`: 2^0 ns of virtual time per instruction, whatever the host's load.
err=$(mktemp)
trace=$(mktemp)
trap 'rm -f "$err" "$trace"' EXIT
args=("messages=$messages")
extra=()
if [[ $profile -eq 1 ]]; then
    # Every translated block as it is translated (in_asm) and each time it runs (exec;
    # nochain so no run goes unlogged). The calibration's million turns would only bloat it.
    args+=(turns=1)
    extra=(-d in_asm,exec,nochain -D "$trace")
fi
status=0
output=$(AIMDB_QEMU="$qemu" timeout 120 scripts/qemu-mps2.sh --serial null -nic none \
    -icount shift=0 "${extra[@]}" "$elf" "${args[@]}" 2>"$err") || status=$?
if [[ $status -ne 0 ]]; then
    printf '%s\n' "$output"
    cat "$err" >&2
    echo "mcu-cost: QEMU exited with status $status (the firmware's: 1 = a case read a wrong value, 101 = a panic; 124 = timed out)" >&2
    exit 1
fi

if [[ $profile -eq 1 ]]; then
    # A case's work lies between the print before it and its own print (cases run one
    # after the other), so the trace is cut at each print and named after the firmware's
    # output lines in order. A block's instruction count is taken from its translation,
    # keyed by where QEMU put the translated code (a block cut short by -icount is a
    # separate translation there).
    names=$(printf '%s\n' "$output" | awk '$1 == "mcu-cost" && $2 != "fault" && $2 != "done" { print ($2 == "case") ? $3 : $2 }')
    demangle=cat
    command -v c++filt >/dev/null && demangle=c++filt
    awk -v per="$messages" -v names="$names" -v want=" $* " '
        BEGIN { split(names, name, "\n") }
        /^IN:/ { fresh = 1; count = 0; next }
        /^0x[0-9a-f]+:/ { if (fresh) count++; next }
        /^Trace/ {
            host = $3
            if (fresh) { size[host] = count; fresh = 0 }
            if ($NF ~ /hstdout_fmt/) { if (since > 200) segment++; since = 0 }
            since++
            cost[segment, $NF] += size[host]
        }
        END {
            for (key in cost) {
                split(key, part, SUBSEP)
                id = name[part[1] + 1]
                if (id == "" || (want != "  " && index(want, " " id " ") == 0)) continue
                total[id] += cost[key]
                printf "%s\t%.1f\t%s\n", id, cost[key] / per, part[2]
            }
            for (id in total) printf "%s\t%.1f\t= total (print and set-up included)\n", id, total[id] / per
        }' "$trace" | $demangle | sed -E 's/::h[0-9a-f]{16}$//; s/\[[0-9a-f]{16}\]//g' |
        sort -t "$(printf '\t')" -k1,1 -k2,2nr |
        awk -F '\t' '$2 >= 0.5 { if ($1 != last) printf "\n%s (instructions per message, by function)\n", $1; last = $1; printf "%8s  %s\n", $2, $3 }'
    exit 0
fi

printf '%s\n' "$output" | awk -v goal="$GOAL" -v ceiling="$CEILING" -v messages="$messages" '
    # label, reference (STM32H563 cycles/message, where published), kind of goal:
    #   hand-off: one produce + one read (also across two tasks), judged against the goal;
    #   readers4: four reads per message, judged per read; other: not a hand-off.
    BEGIN {
        order = "ring ring-async ring4 latest mailbox pipeline join postcard"
        label["ring"] = "ring of 16, 1 reader: produce + try_recv"
        label["ring-async"] = "ring of 16, 1 reader: produce + recv().await, erased handles"
        label["ring4"] = "ring of 16, 4 readers: produce + 4 x try_recv"
        label["latest"] = "single-latest: produce + try_recv"
        label["mailbox"] = "mailbox: produce + take (try_recv)"
        label["pipeline"] = "source -> ring -> tap, emitted embassy node (2 tasks, executor)"
        label["join"] = "join trigger: ring + single-latest in, single-latest out, tap"
        label["postcard"] = "postcard encode of a climate reading + contract header"
        ref["ring"] = "~2,000"; ref["ring-async"] = "~2,000"; ref["ring4"] = "~6,240"
        ref["latest"] = "~2,000"; ref["mailbox"] = "~1,660"
        goalkind["ring"] = goalkind["ring-async"] = goalkind["latest"] = goalkind["mailbox"] = "hand-off"
        goalkind["ring4"] = "readers4"
        # A hand-off between two tasks of a node: the goal read strictly is for the buffer
        # alone, but a node that misses it is the figure users meet, so it is judged too.
        goalkind["pipeline"] = "hand-off"
    }
    $1 != "mcu-cost" { next }
    $2 == "calibration" { turns = $3; cal_ns = $4 }
    $2 == "loop" { loop_n = $3; loop_ns = $4 }
    $2 == "case" { n[$3] = $4; ns[$3] = $5; kind[$3] = $6 }
    $2 == "fault" { print "mcu-cost:", $0 > "/dev/stderr"; bad = 1 }
    END {
        if (turns == "" || loop_n == "") { print "mcu-cost: no calibration in the firmware output" > "/dev/stderr"; exit 1 }
        per_insn = cal_ns / (2 * turns)
        if (per_insn < 0.99 || per_insn > 1.01) {
            printf "mcu-cost: a 2-instruction loop took %.3f virtual ns per instruction, not 1: is -icount shift=0 in effect?\n", per_insn > "/dev/stderr"
            exit 1
        }
        overhead = loop_ns / loop_n
        printf "Instructions per message on a Cortex-M4 (QEMU mps2-an386, -icount shift=0), %d messages per case.\n", messages
        printf "Clock check: a loop of 2 x %d instructions took %d virtual ns (%.3f ns per instruction).\n", turns, cal_ns, per_insn
        printf "Loop overhead subtracted from the tight-loop cases: %.1f instructions per message.\n\n", overhead
        print "QEMU instructions are NOT cycles: QEMU models no pipeline, no flash wait states, no caches"
        print "and no bus contention: a load, a multiply and a taken branch each count as one instruction. The"
        print "reference column is cycles measured on an STM32H563 (Cortex-M33): compare orders of magnitude.\n"
        print "| case | instructions/message | reference: STM32H563 cycles/message | within the 300 goal? |"
        print "| --- | --- | --- | --- |"
        count = split(order, ids, " ")
        for (k = 1; k <= count; k++) {
            id = ids[k]
            if (!(id in n)) { printf "mcu-cost: case %s missing from the firmware output\n", id > "/dev/stderr"; bad = 1; continue }
            per = ns[id] / n[id]
            if (kind[id] == "net") per -= overhead
            verdict = "n/a (not a buffer hand-off)"
            if (goalkind[id] == "hand-off") {
                verdict = (per <= goal) ? "yes" : "no"
                if (per > ceiling) { over = over " " id }
            } else if (goalkind[id] == "readers4") {
                verdict = sprintf("%s (%.0f per read)", (per / 4 <= goal) ? "yes" : "no", per / 4)
                if (per / 4 > ceiling) { over = over " " id }
            }
            printf "| %s | %.0f | %s | %s |\n", label[id], per, (id in ref) ? ref[id] : "-", verdict
        }
        print "\nTight-loop cases: loop overhead subtracted. The node and the join: first produce to last"
        print "read on the embassy executor, everything included (task polls, wakers, the run queue)."
        if (over != "") {
            printf "mcu-cost: buffer hand-off above the ceiling of %d instructions:%s\n", ceiling, over > "/dev/stderr"
            bad = 1
        }
        exit bad
    }
'
