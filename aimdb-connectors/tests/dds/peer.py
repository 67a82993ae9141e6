"""Eclipse Cyclone DDS (PyPI `cyclonedds`) as the independent party of dds_cyclone.rs.

    peer.py sub TOPIC COUNT [transient]   once matched, read COUNT samples, each a JSON line
    peer.py pub TOPIC COUNT STRENGTH FIRST  write COUNT samples (seq FIRST..) once matched
    peer.py parted-sub TOPIC COUNT      a reader in partition `north` and one in `south`
                                        (one participant): COUNT samples from `north`, then
                                        `south matched=M samples=S`
    peer.py parted-pub TOPIC COUNT      a writer in `south` (strength 20, seq 2000..) and
                                        one in `north` (strength 5, seq 3000..), COUNT each

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
from cyclonedds.pub import DataWriter, Publisher
from cyclonedds.sub import DataReader, Subscriber
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


def in_partition(name):
    return Qos(Policy.Partition(partitions=[name]))


def parted_sub(topic_name, count):
    """A `north` and a `south` reader of one topic (PARTITION is a Subscriber policy)."""
    dp = DomainParticipant(0)
    topic = Topic(dp, topic_name, Reading)
    readers = {}
    for name in ("north", "south"):
        subscriber = Subscriber(dp, qos=in_partition(name))
        readers[name] = DataReader(subscriber, topic,
                                   qos=qos(Policy.Durability.Volatile, Policy.History.KeepLast(1024)))
    say("ready")
    north, south = readers["north"], readers["south"]
    deadline = time.monotonic() + WAIT
    while north.get_matched_publications() == []:
        if time.monotonic() > deadline:
            sys.exit(2)
        time.sleep(0.002)
    say("matched")
    got = 0
    while got < count:
        if time.monotonic() > deadline:
            sys.exit(2)
        for sample in north.take(N=64):
            say(json.dumps({"seq": sample.seq, "celsius": sample.celsius,
                            "label": sample.label, "ok": sample.ok}))
            got += 1
        time.sleep(0.002)
    # The writer's last samples reached `north`; anything for `south` would have too.
    time.sleep(0.2)
    matched = len(south.get_matched_publications())
    samples = len(south.take(N=1024))
    say(f"south matched={matched} samples={samples}")
    sys.stdin.read()


def parted_pub(topic_name, count):
    """A stronger writer in `south`, then a weaker one in `north`, of one topic."""
    dp = DomainParticipant(0)
    topic = Topic(dp, topic_name, Reading)
    writers = {}
    for name, strength in (("south", 20), ("north", 5)):
        publisher = Publisher(dp, qos=in_partition(name))
        writers[name] = DataWriter(publisher, topic,
                                   qos=qos(Policy.OwnershipStrength(strength),
                                           Policy.History.KeepLast(count)))
    say("ready")
    north, south = writers["north"], writers["south"]
    deadline = time.monotonic() + WAIT
    while north.get_matched_subscriptions() == []:
        if time.monotonic() > deadline:
            sys.exit(2)
        time.sleep(0.01)
    say("matched")
    for first, writer in ((2000, south), (3000, north)):
        for seq in range(first, first + count):
            writer.write(Reading(seq=seq, celsius=seq / 4.0, label=f"cyclone-{seq}", ok=True))
    north.wait_for_acks(2 * 10**9)
    say(f"done south matched={len(south.get_matched_subscriptions())}")
    sys.stdin.read()


if __name__ == "__main__":
    mode, topic_name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "sub":
        sub(topic_name, count, len(sys.argv) > 4 and sys.argv[4] == "transient")
    elif mode == "parted-sub":
        parted_sub(topic_name, count)
    elif mode == "parted-pub":
        parted_pub(topic_name, count)
    else:
        pub(topic_name, count, int(sys.argv[4]), int(sys.argv[5]))
