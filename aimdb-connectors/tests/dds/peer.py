"""Eclipse Cyclone DDS (PyPI `cyclonedds`) as the independent party of dds_cyclone.rs.

    peer.py sub TOPIC COUNT [transient]   once matched, read COUNT samples, each a JSON line
    peer.py pub TOPIC COUNT STRENGTH FIRST  write COUNT samples (seq FIRST..) once matched

Every endpoint is RELIABLE and EXCLUSIVE (aimdb's topics are), XCDR1 (what rustdds
speaks). Prints `ready` once its endpoint exists, `matched` when the other side is
there; every wait is bounded (exit code 2 on a timeout). Run with CYCLONEDDS_URI set to
the loopback-only configuration.
"""

import json
import sys
import time
from dataclasses import dataclass

from cyclonedds.core import Policy, Qos
from cyclonedds.domain import DomainParticipant
from cyclonedds.idl import IdlStruct
from cyclonedds.idl import types
from cyclonedds.pub import DataWriter
from cyclonedds.sub import DataReader
from cyclonedds.topic import Topic
from cyclonedds.util import duration

WAIT = 10.0


@dataclass
class Reading(IdlStruct, typename="aimdb::Reading"):
    """The record type of the test, field for field (an IDL @final struct)."""

    seq: types.uint32
    celsius: types.float64
    label: str
    ok: bool


def qos(*extra):
    return Qos(
        Policy.Reliability.Reliable(max_blocking_time=duration(milliseconds=100)),
        Policy.Ownership.Exclusive,
        Policy.DataRepresentation(use_cdrv0_representation=True),
        *extra,
    )


def say(line):
    print(line, flush=True)


def sub(topic_name, count, transient):
    dp = DomainParticipant(0)
    topic = Topic(dp, topic_name, Reading)
    durability = Policy.Durability.TransientLocal if transient else Policy.Durability.Volatile
    reader = DataReader(dp, topic, qos=qos(durability, Policy.History.KeepLast(1024)))
    say("ready")
    got = 0
    matched = False
    deadline = time.monotonic() + WAIT
    while got < count:
        if time.monotonic() > deadline:
            sys.exit(2)
        # A VOLATILE reader gets only what is written after *it* matched the writer: say
        # so, and take nothing before (samples then follow the `matched` line).
        if not matched:
            matched = reader.get_matched_publications() != []
            if matched:
                say("matched")
            time.sleep(0.002)
            continue
        for sample in reader.take(N=64):
            say(json.dumps({"seq": sample.seq, "celsius": sample.celsius,
                            "label": sample.label, "ok": sample.ok}))
            got += 1
        time.sleep(0.002)


def pub(topic_name, count, strength, first):
    dp = DomainParticipant(0)
    topic = Topic(dp, topic_name, Reading)
    writer = DataWriter(dp, topic, qos=qos(Policy.OwnershipStrength(strength),
                                           Policy.History.KeepLast(count)))
    say("ready")
    deadline = time.monotonic() + WAIT
    while writer.get_matched_subscriptions() == []:
        if time.monotonic() > deadline:
            sys.exit(2)
        time.sleep(0.01)
    say("matched")
    for i in range(count):
        seq = first + i
        writer.write(Reading(seq=seq, celsius=seq / 4.0, label=f"cyclone-{seq}", ok=True))
    # Stay until the readers have every sample (reliable), bounded.
    writer.wait_for_acks(2 * 10**9)
    say("done")
    # Stay alive (the writer's ownership lasts as long as it does) until stdin closes.
    sys.stdin.read()


if __name__ == "__main__":
    mode, topic_name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "sub":
        sub(topic_name, count, len(sys.argv) > 4 and sys.argv[4] == "transient")
    else:
        pub(topic_name, count, int(sys.argv[4]), int(sys.argv[5]))
