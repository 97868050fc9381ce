#!/usr/bin/env python3
"""Split a pcap of Kafka traffic into one file per protocol frame.

usage: split_frames.py PCAP BROKER_PORT OUT_DIR [--client NAME] [--max-per-kind N]
                       [--max-identical N]

Reads a classic pcap file (as written by `tcpdump -w`) with nothing but the standard
library: Ethernet / Linux cooked (v1, v2) / raw / BSD-loopback link types, IPv4 and IPv6,
TCP. Each TCP connection to BROKER_PORT is reassembled in both directions; each direction
is cut into size-prefixed Kafka frames; each response is paired with its request by
correlation id (a connection's responses come in request order; requests that get no
response, such as Produce with acks=0, are skipped over).

Writes OUT_DIR/<seq>-<req|resp>-<ApiName>-k<key>-v<version>.bin for each kept frame: the
whole frame, the 4-byte size prefix and the request or response header included. A
response file carries the api key and version of its request. OUT_DIR/index.json lists the
files in order. Exits non-zero if a stream has a gap or trailing partial frame, or if a
response does not match a request.

To keep the data small, a request/response pair is dropped when its (api key, version)
already has --max-per-kind pairs, or when --max-identical pairs with the same bytes
(correlation id masked) were already kept.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

API_NAMES = [
    "Produce", "Fetch", "ListOffsets", "Metadata", "LeaderAndIsr", "StopReplica",
    "UpdateMetadata", "ControlledShutdown", "OffsetCommit", "OffsetFetch", "FindCoordinator",
    "JoinGroup", "Heartbeat", "LeaveGroup", "SyncGroup", "DescribeGroups", "ListGroups",
    "SaslHandshake", "ApiVersions", "CreateTopics", "DeleteTopics", "DeleteRecords",
    "InitProducerId", "OffsetForLeaderEpoch", "AddPartitionsToTxn", "AddOffsetsToTxn",
    "EndTxn", "WriteTxnMarkers", "TxnOffsetCommit", "DescribeAcls", "CreateAcls",
    "DeleteAcls", "DescribeConfigs", "AlterConfigs", "AlterReplicaLogDirs", "DescribeLogDirs",
    "SaslAuthenticate", "CreatePartitions", "CreateDelegationToken", "RenewDelegationToken",
    "ExpireDelegationToken", "DescribeDelegationToken", "DeleteGroups", "ElectLeaders",
    "IncrementalAlterConfigs", "AlterPartitionReassignments", "ListPartitionReassignments",
    "OffsetDelete", "DescribeClientQuotas", "AlterClientQuotas",
    "DescribeUserScramCredentials", "AlterUserScramCredentials", "Vote", "BeginQuorumEpoch",
    "EndQuorumEpoch", "DescribeQuorum", "AlterPartition", "UpdateFeatures", "Envelope",
    "FetchSnapshot", "DescribeCluster", "DescribeProducers", "BrokerRegistration",
    "BrokerHeartbeat", "UnregisterBroker", "DescribeTransactions", "ListTransactions",
    "AllocateProducerIds", "ConsumerGroupHeartbeat", "ConsumerGroupDescribe",
    "ControllerRegistration", "GetTelemetrySubscriptions", "PushTelemetry",
    "AssignReplicasToDirs", "ListClientMetricsResources", "DescribeTopicPartitions",
]


def api_name(key):
    return API_NAMES[key] if 0 <= key < len(API_NAMES) else "key%d" % key


# ---------------------------------------------------------------------------------------
# pcap reading

def read_pcap(path):
    """Yields (timestamp, link_type, packet bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit("%s: not a classic pcap file (pcapng is not supported)" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        if incl < orig:
            raise SystemExit("%s: packet truncated by the snap length" % path)
        yield sec + frac / (1e9 if nano else 1e6), linktype, pkt


def ip_payload(linktype, pkt):
    """Returns (ethertype-ish version, ip packet) or None."""
    if linktype == 1:  # Ethernet
        etype = struct.unpack(">H", pkt[12:14])[0]
        off = 14
        while etype == 0x8100:  # VLAN
            etype = struct.unpack(">H", pkt[off + 2:off + 4])[0]
            off += 4
        return etype, pkt[off:]
    if linktype == 113:  # Linux cooked v1
        return struct.unpack(">H", pkt[14:16])[0], pkt[16:]
    if linktype == 276:  # Linux cooked v2
        return struct.unpack(">H", pkt[0:2])[0], pkt[20:]
    if linktype == 0:  # BSD loopback
        fam = struct.unpack("<I", pkt[:4])[0]
        return (0x0800 if fam == 2 else 0x86DD), pkt[4:]
    if linktype in (101, 12, 14):  # raw IP
        return (0x0800 if pkt[0] >> 4 == 4 else 0x86DD), pkt
    raise SystemExit("unsupported pcap link type %d" % linktype)


def tcp_segment(linktype, pkt):
    """Returns (src, sport, dst, dport, seq, flags, payload) or None."""
    r = ip_payload(linktype, pkt)
    if r is None:
        return None
    etype, ip = r
    if etype == 0x0800:
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6:
            return None
        src, dst = ip[12:16], ip[16:20]
        tcp = ip[ihl:total]
    elif etype == 0x86DD:
        if ip[6] != 6:  # no extension headers expected on loopback
            return None
        plen = struct.unpack(">H", ip[4:6])[0]
        src, dst = ip[8:24], ip[24:40]
        tcp = ip[40:40 + plen]
    else:
        return None
    sport, dport, seq = struct.unpack(">HHI", tcp[:8])
    doff = (tcp[12] >> 4) * 4
    flags = tcp[13]
    return src, sport, dst, dport, seq, flags, tcp[doff:]


# ---------------------------------------------------------------------------------------
# TCP reassembly

SYN, FIN, RST = 0x02, 0x01, 0x04


class Direction:
    def __init__(self):
        self.isn = None
        self.midstream = False
        self.segments = {}  # relative offset -> (timestamp, bytes)

    def add(self, ts, seq, flags, payload):
        if flags & SYN:
            self.isn = (seq + 1) & 0xFFFFFFFF
            return
        if not payload:
            return
        if self.isn is None:
            # A connection opened before the capture started (e.g. the broker's own
            # inter-broker connection that sends WriteTxnMarkers): assume it was idle then,
            # so its first captured byte starts a frame. split() checks that assumption.
            self.isn = seq
            self.midstream = True
        rel = (seq - self.isn) & 0xFFFFFFFF
        old = self.segments.get(rel)
        if old is None or len(old[1]) < len(payload):
            self.segments[rel] = (ts, payload)

    def stream(self):
        """Returns (bytes, [(offset, timestamp)]) and raises on a gap."""
        out = bytearray()
        marks = []
        for rel in sorted(self.segments):
            ts, payload = self.segments[rel]
            if rel > len(out):
                raise SystemExit("gap in TCP stream at offset %d (packets lost by the capture?)"
                                 % len(out))
            if rel + len(payload) <= len(out):
                continue  # retransmission
            payload = payload[len(out) - rel:]
            marks.append((len(out), ts))
            out += payload
        return bytes(out), marks


def reassemble(pcap, port):
    """Returns a list of connections: dict(id, client, c2s=(bytes, marks), s2c=...)."""
    conns = {}   # 4-tuple -> current connection dict
    order = []
    for ts, lt, pkt in read_pcap(pcap):
        seg = tcp_segment(lt, pkt)
        if seg is None:
            continue
        src, sport, dst, dport, seq, flags, payload = seg
        if dport == port:
            key, to_server = (src, sport, dst, dport), True
        elif sport == port:
            key, to_server = (dst, dport, src, sport), False
        else:
            continue
        c = conns.get(key)
        if c is None or (to_server and flags & SYN and not flags & 0x10 and c["c2s"].isn is not None
                         and c["c2s"].segments):
            c = {"id": len(order), "client": "%s:%d" % (fmt_ip(key[0]), key[1]),
                 "c2s": Direction(), "s2c": Direction(), "ts": ts}
            conns[key] = c
            order.append(c)
        (c["c2s"] if to_server else c["s2c"]).add(ts, seq, flags, payload)
    return order


def fmt_ip(b):
    if len(b) == 4:
        return ".".join(str(x) for x in b)
    return "[" + ":".join("%x" % struct.unpack(">H", b[i:i + 2])[0] for i in range(0, 16, 2)) + "]"


def split(data, marks):
    """Cuts a byte stream into size-prefixed frames: [(offset, timestamp, frame bytes)]."""
    frames = []
    off = 0
    mi = 0
    while off < len(data):
        if off + 4 > len(data):
            raise SystemExit("trailing %d bytes: not a whole size prefix" % (len(data) - off))
        size = struct.unpack(">i", data[off:off + 4])[0]
        if size < 0 or off + 4 + size > len(data):
            raise SystemExit("frame at offset %d: size %d runs past the stream end (%d)"
                             % (off, size, len(data)))
        while mi + 1 < len(marks) and marks[mi + 1][0] <= off:
            mi += 1
        frames.append((off, marks[mi][1] if marks else 0.0, data[off:off + 4 + size]))
        off += 4 + size
    assert off == len(data)
    return frames


def parse_request_header(frame):
    key, ver, corr = struct.unpack(">hhi", frame[4:12])
    client_id = None
    if len(frame) >= 14:
        n = struct.unpack(">h", frame[12:14])[0]
        if n >= 0:
            client_id = frame[14:14 + n].decode("utf-8", "replace")
    return key, ver, corr, client_id


def masked(frame, is_request):
    """Frame bytes with the correlation id zeroed, for spotting identical frames."""
    at = 8 if is_request else 4
    return frame[:at] + b"\0\0\0\0" + frame[at + 4:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pcap")
    ap.add_argument("port", type=int)
    ap.add_argument("out")
    ap.add_argument("--client", default=None, help="name recorded in index.json")
    ap.add_argument("--max-per-kind", type=int, default=40)
    ap.add_argument("--max-identical", type=int, default=2)
    args = ap.parse_args()

    conns = reassemble(args.pcap, args.port)
    pairs = []   # (timestamp, conn, req frame info, resp frame info or None)
    n_req = n_resp = 0
    for c in conns:
        midstream = c["c2s"].midstream or c["s2c"].midstream
        try:
            reqs = split(*c["c2s"].stream())
            resps = split(*c["s2c"].stream())
        except SystemExit as e:
            if not midstream:
                raise
            print("conn %d (%s): opened before the capture and not frame-aligned, skipped: %s"
                  % (c["id"], c["client"], e), file=sys.stderr)
            continue
        n_req += len(reqs)
        n_resp += len(resps)
        pending = []
        for off, ts, fr in reqs:
            key, ver, corr, cid = parse_request_header(fr)
            pending.append({"ts": ts, "frame": fr, "key": key, "ver": ver, "corr": corr,
                            "client_id": cid, "conn": c["id"], "resp": None})
        i = 0
        for off, ts, fr in resps:
            corr = struct.unpack(">i", fr[4:8])[0]
            while i < len(pending) and pending[i]["corr"] != corr:
                i += 1  # a request without a response (Produce acks=0)
            if i == len(pending) and midstream and not any(p["resp"] for p in pending):
                print("conn %d (%s): response %d to a request sent before the capture, skipped"
                      % (c["id"], c["client"], corr), file=sys.stderr)
                i = 0
                continue
            if i == len(pending):
                raise SystemExit("conn %d (%s): response with correlation id %d matches no "
                                 "request" % (c["id"], c["client"], corr))
            pending[i]["resp"] = {"ts": ts, "frame": fr}
            i += 1
        pairs.extend(pending)
    pairs.sort(key=lambda p: (p["ts"], p["conn"]))

    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):
        if name.endswith(".bin") or name == "index.json":
            os.remove(os.path.join(args.out, name))

    kept_kind = {}
    kept_same = {}
    index = []
    seq = 0
    dropped = 0
    unanswered = 0
    for p in pairs:
        kind = (p["key"], p["ver"])
        h = hashlib.sha256(masked(p["frame"], True) +
                           (masked(p["resp"]["frame"], False) if p["resp"] else b"")).digest()
        if kept_kind.get(kind, 0) >= args.max_per_kind or \
                kept_same.get(h, 0) >= args.max_identical:
            dropped += 1
            continue
        kept_kind[kind] = kept_kind.get(kind, 0) + 1
        kept_same[h] = kept_same.get(h, 0) + 1
        name = api_name(p["key"])
        entries = [("req", p["frame"])]
        if p["resp"]:
            entries.append(("resp", p["resp"]["frame"]))
        else:
            unanswered += 1
        for direction, fr in entries:
            fn = "%04d-%s-%s-k%d-v%d.bin" % (seq, direction, name, p["key"], p["ver"])
            seq += 1
            with open(os.path.join(args.out, fn), "wb") as f:
                f.write(fr)
            index.append({"file": fn, "direction": "request" if direction == "req" else "response",
                          "api_key": p["key"], "api_name": name, "api_version": p["ver"],
                          "correlation_id": p["corr"], "client_id": p["client_id"],
                          "connection": p["conn"], "size": len(fr)})
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump({"client": args.client, "broker_port": args.port, "frames": index}, f, indent=1)
        f.write("\n")
    print("%s: %d connections, %d request frames, %d response frames; kept %d pairs "
          "(%d without response), dropped %d duplicate pairs -> %d files"
          % (args.client or args.out, len(conns), n_req, n_resp, len(pairs) - dropped,
             unanswered, dropped, len(index)), file=sys.stderr)


if __name__ == "__main__":
    main()
