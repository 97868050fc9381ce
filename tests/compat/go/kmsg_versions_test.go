package compat

// franz-go's kmsg codec over every version chronik advertises: for each API and each version
// in chronik's ApiVersions answer, one request that kmsg builds (default values, plus what a
// request needs to be valid), sent on its own connection; the answer must decode with kmsg
// at that version, re-encode to the same bytes, and carry only error codes Kafka knows and
// that a well-formed request may get. kmsg is an implementation of the protocol independent
// of ours (and of Kafka's Java classes, which the oracle uses), so a field chronik writes at
// the wrong version, a missing tag section or a wrong header shows up here.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kmsgConn is one connection speaking raw kmsg requests.
type kmsgConn struct {
	c    net.Conn
	f    *kmsg.RequestFormatter
	corr int32
}

func dialKmsg(t *testing.T, addr string) *kmsgConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return &kmsgConn{c: c, f: kmsg.NewRequestFormatter(kmsg.FormatterClientID("kmsg-versions"))}
}

// roundTrip sends req and returns the response body (after the response header), or an
// error when the broker closed the connection or answered nothing within 10 s.
func (k *kmsgConn) roundTrip(req kmsg.Request) ([]byte, error) {
	k.corr++
	frame := k.f.AppendRequest(nil, req, k.corr)
	_ = k.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := k.c.Write(frame); err != nil {
		return nil, err
	}
	var size [4]byte
	if _, err := io.ReadFull(k.c, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < 4 || n > 64<<20 {
		return nil, fmt.Errorf("response size %d", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(k.c, body); err != nil {
		return nil, err
	}
	if got := int32(binary.BigEndian.Uint32(body)); got != k.corr {
		return nil, fmt.Errorf("correlation id %d, want %d", got, k.corr)
	}
	body = body[4:]
	// Response header v1 (a tag section) for flexible versions, except ApiVersions, whose
	// response header is always v0.
	if req.IsFlexible() && req.Key() != 18 {
		if len(body) == 0 || body[0] != 0 {
			return nil, fmt.Errorf("response header tags %x (none expected)", body[:min(len(body), 4)])
		}
		body = body[1:]
	}
	return body, nil
}

// A v2 record batch with one record, as any client writes it.
func recordBatchV2(value string) []byte {
	rec := kmsg.Record{Value: []byte(value)}
	// Length counts the bytes after itself: encode once with 0 (one byte) to measure.
	rec.Length = int32(len(rec.AppendTo(nil)) - 1)
	rb := rec.AppendTo(nil)
	now := time.Now().UnixMilli()
	b := kmsg.RecordBatch{
		FirstOffset: 0, PartitionLeaderEpoch: -1, Magic: 2, Attributes: 0, LastOffsetDelta: 0,
		FirstTimestamp: now, MaxTimestamp: now, ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1,
		NumRecords: 1, Records: rb,
	}
	raw := b.AppendTo(nil)
	// Length: everything after the first 12 bytes; CRC-32C: everything after the CRC.
	binary.BigEndian.PutUint32(raw[8:], uint32(len(raw)-12))
	binary.BigEndian.PutUint32(raw[17:], crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli)))
	return raw
}

// A magic-1 message set with one message, for the Produce versions before record batches.
func messageSetV1(value string) []byte {
	var msg []byte
	msg = append(msg, 1, 0) // magic 1, no compression
	msg = binary.BigEndian.AppendUint64(msg, uint64(time.Now().UnixMilli()))
	msg = binary.BigEndian.AppendUint32(msg, 0xffffffff) // null key
	msg = binary.BigEndian.AppendUint32(msg, uint32(len(value)))
	msg = append(msg, value...)
	var out []byte
	out = binary.BigEndian.AppendUint64(out, 0)
	out = binary.BigEndian.AppendUint32(out, uint32(4+len(msg)))
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(msg))
	return append(out, msg...)
}

// kmsgScenario is what one test request needs: the topic (and its id) and group names.
type kmsgScenario struct {
	topic   string
	topicID [16]byte
	group   string
	nodeID  int32
	metaLvl int16 // the finalized metadata.version, which UpdateFeatures re-asserts
}

// fill sets what `req` at version `v` needs to be a valid request over the scenario's topic.
// APIs not named keep kmsg's defaults (Default() values of the spec).
func (s *kmsgScenario) fill(req kmsg.Request, v int16) {
	topic := s.topic
	switch r := req.(type) {
	case *kmsg.ProduceRequest:
		r.Acks, r.TimeoutMillis = -1, 10000
		records := recordBatchV2("kmsg")
		if v < 3 {
			records = messageSetV1("kmsg")
		}
		r.Topics = []kmsg.ProduceRequestTopic{{Topic: topic, TopicID: s.topicID,
			Partitions: []kmsg.ProduceRequestTopicPartition{{Partition: 0, Records: records}}}}
	case *kmsg.FetchRequest:
		r.MaxWaitMillis, r.MinBytes, r.MaxBytes = 0, 0, 1<<20
		p := kmsg.NewFetchRequestTopicPartition()
		p.Partition, p.FetchOffset, p.PartitionMaxBytes = 0, 0, 1<<20
		r.Topics = []kmsg.FetchRequestTopic{{Topic: topic, TopicID: s.topicID, Partitions: []kmsg.FetchRequestTopicPartition{p}}}
	case *kmsg.ListOffsetsRequest:
		p := kmsg.NewListOffsetsRequestTopicPartition()
		p.Partition, p.Timestamp, p.MaxNumOffsets = 0, -1, 1
		r.Topics = []kmsg.ListOffsetsRequestTopic{{Topic: topic, Partitions: []kmsg.ListOffsetsRequestTopicPartition{p}}}
	case *kmsg.MetadataRequest:
		r.Topics = []kmsg.MetadataRequestTopic{{Topic: kmsg.StringPtr(topic)}}
		r.AllowAutoTopicCreation = false
	case *kmsg.OffsetCommitRequest:
		r.Group, r.Generation = s.group, -1
		p := kmsg.NewOffsetCommitRequestTopicPartition()
		p.Partition, p.Offset = 0, 1
		r.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: topic, TopicID: s.topicID, Partitions: []kmsg.OffsetCommitRequestTopicPartition{p}}}
	case *kmsg.OffsetFetchRequest:
		r.Group = s.group
		r.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: topic, Partitions: []int32{0}}}
		r.Groups = []kmsg.OffsetFetchRequestGroup{{Group: s.group, MemberEpoch: -1,
			Topics: []kmsg.OffsetFetchRequestGroupTopic{{Topic: topic, TopicID: s.topicID, Partitions: []int32{0}}}}}
	case *kmsg.FindCoordinatorRequest:
		r.CoordinatorKey, r.CoordinatorKeys = s.group, []string{s.group}
	case *kmsg.JoinGroupRequest:
		// A group per version: a second member would make the join wait for the first to rejoin.
		r.Group, r.SessionTimeoutMillis, r.RebalanceTimeoutMillis = fmt.Sprintf("%s-join-v%d", s.group, v), 10000, 10000
		r.ProtocolType = "consumer"
		r.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: []byte{0, 0, 0, 0, 0, 0, 0, 0}}}
	case *kmsg.HeartbeatRequest:
		r.Group, r.Generation, r.MemberID = s.group, 1, "no-such-member"
	case *kmsg.LeaveGroupRequest:
		r.Group, r.MemberID = s.group, "no-such-member"
		r.Members = []kmsg.LeaveGroupRequestMember{{MemberID: "no-such-member"}}
	case *kmsg.SyncGroupRequest:
		r.Group, r.Generation, r.MemberID = s.group, 1, "no-such-member"
	case *kmsg.DescribeGroupsRequest:
		r.Groups = []string{s.group}
	case *kmsg.SASLHandshakeRequest:
		r.Mechanism = "PLAIN"
	case *kmsg.ApiVersionsRequest:
		r.ClientSoftwareName, r.ClientSoftwareVersion = "kmsg-versions", "1.0"
	case *kmsg.CreateTopicsRequest:
		r.TimeoutMillis = 10000
		r.Topics = []kmsg.CreateTopicsRequestTopic{{Topic: fmt.Sprintf("%s-created-v%d", topic, v), NumPartitions: 1, ReplicationFactor: 1}}
	case *kmsg.DeleteTopicsRequest:
		gone := topic + "-never-created"
		r.TimeoutMillis = 10000
		r.TopicNames = []string{gone}
		r.Topics = []kmsg.DeleteTopicsRequestTopic{{Topic: kmsg.StringPtr(gone)}}
	case *kmsg.DeleteRecordsRequest:
		r.TimeoutMillis = 10000
		r.Topics = []kmsg.DeleteRecordsRequestTopic{{Topic: topic, Partitions: []kmsg.DeleteRecordsRequestTopicPartition{{Partition: 0, Offset: 0}}}}
	case *kmsg.OffsetForLeaderEpochRequest:
		r.ReplicaID = -1
		r.Topics = []kmsg.OffsetForLeaderEpochRequestTopic{{Topic: topic,
			Partitions: []kmsg.OffsetForLeaderEpochRequestTopicPartition{{Partition: 0, CurrentLeaderEpoch: -1, LeaderEpoch: 0}}}}
	case *kmsg.DescribeConfigsRequest:
		r.Resources = []kmsg.DescribeConfigsRequestResource{{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: topic}}
	case *kmsg.AlterConfigsRequest:
		r.ValidateOnly = true
		r.Resources = []kmsg.AlterConfigsRequestResource{{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: topic,
			Configs: []kmsg.AlterConfigsRequestResourceConfig{{Name: "retention.ms", Value: kmsg.StringPtr("86400000")}}}}
	case *kmsg.IncrementalAlterConfigsRequest:
		r.ValidateOnly = true
		r.Resources = []kmsg.IncrementalAlterConfigsRequestResource{{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: topic,
			Configs: []kmsg.IncrementalAlterConfigsRequestResourceConfig{{Name: "retention.ms", Op: kmsg.IncrementalAlterConfigOpSet,
				Value: kmsg.StringPtr("86400000")}}}}
	case *kmsg.CreatePartitionsRequest:
		r.TimeoutMillis, r.ValidateOnly = 10000, true
		r.Topics = []kmsg.CreatePartitionsRequestTopic{{Topic: topic, Count: 2}}
	case *kmsg.DeleteGroupsRequest:
		r.Groups = []string{s.group + "-never-used"}
	case *kmsg.AlterPartitionAssignmentsRequest:
		r.TimeoutMillis = 10000
		r.Topics = []kmsg.AlterPartitionAssignmentsRequestTopic{{Topic: topic,
			Partitions: []kmsg.AlterPartitionAssignmentsRequestTopicPartition{{Partition: 0, Replicas: []int32{s.nodeID}}}}}
	case *kmsg.OffsetDeleteRequest:
		r.Group = s.group
		r.Topics = []kmsg.OffsetDeleteRequestTopic{{Topic: topic, Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}}}
	case *kmsg.DescribeQuorumRequest:
		r.Topics = []kmsg.DescribeQuorumRequestTopic{{Topic: "__cluster_metadata",
			Partitions: []kmsg.DescribeQuorumRequestTopicPartition{{Partition: 0}}}}
	case *kmsg.UpdateFeaturesRequest:
		r.TimeoutMillis, r.ValidateOnly = 10000, true
		// Re-asserting the finalized level: valid, and a no-op at v0, which cannot validate only.
		r.FeatureUpdates = []kmsg.UpdateFeaturesRequestFeatureUpdate{{Feature: "metadata.version", MaxVersionLevel: s.metaLvl, UpgradeType: 1}}
	case *kmsg.UnregisterBrokerRequest:
		r.BrokerID = s.nodeID + 100
	case *kmsg.ConsumerGroupHeartbeatRequest:
		r.Group, r.MemberEpoch, r.RebalanceTimeoutMillis = fmt.Sprintf("%s-848-v%d", s.group, v), 0, 30000
		r.SubscribedTopicNames = []string{topic}
		r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		if v >= 1 {
			r.MemberID = fmt.Sprintf("kmsgmember%012dxx", v) // v1: the consumer makes its member id
		}
	case *kmsg.ConsumerGroupDescribeRequest:
		r.Groups = []string{s.group + "-848-v0"}
	case *kmsg.DescribeTopicPartitionsRequest:
		r.ResponsePartitionLimit = 2000
		r.Topics = []kmsg.DescribeTopicPartitionsRequestTopic{{Topic: topic}}
	case *kmsg.ElectLeadersRequest:
		r.TimeoutMillis = 10000
		r.Topics = []kmsg.ElectLeadersRequestTopic{{Topic: topic, Partitions: []int32{0}}}
	case *kmsg.AddOffsetsToTxnRequest: // an empty transactional id is INVALID_REQUEST on Kafka too
		r.TransactionalID = s.group + "-txn"
		r.Group = s.group
	case *kmsg.EndTxnRequest:
		r.TransactionalID = s.group + "-txn"
	case *kmsg.DescribeACLsRequest: // a filter with UNKNOWN elements closes the connection on Kafka too
		r.ResourceType = kmsg.ACLResourceTypeAny
		r.ResourcePatternType = kmsg.ACLResourcePatternTypeAny
		if v == 0 {
			r.ResourcePatternType = kmsg.ACLResourcePatternTypeLiteral
		}
		r.Operation = kmsg.ACLOperationAny
		r.PermissionType = kmsg.ACLPermissionTypeAny
	}
}

// Error codes a valid request of these tests may get from a one-broker cluster: the others
// (UNKNOWN_SERVER_ERROR, CORRUPT_MESSAGE, UNSUPPORTED_VERSION at an advertised version,
// INVALID_REQUEST, ...) mean the broker misread the request or failed.
var kmsgAllowedErrors = map[int16]string{
	0:   "NONE",
	3:   "UNKNOWN_TOPIC_OR_PARTITION (a topic these tests never create)",
	15:  "COORDINATOR_NOT_AVAILABLE (a group's first lookup, as on Kafka)",
	16:  "NOT_COORDINATOR",
	22:  "ILLEGAL_GENERATION",
	25:  "UNKNOWN_MEMBER_ID (heartbeat, sync, leave of a member that never joined)",
	33:  "UNSUPPORTED_SASL_MECHANISM",
	34:  "ILLEGAL_SASL_STATE (no SASL listener)",
	37:  "INVALID_PARTITIONS (a partition count that is no increase)",
	41:  "NOT_CONTROLLER",
	49:  "INVALID_PRODUCER_ID_MAPPING (a transactional id that never began a transaction)",
	54:  "SECURITY_DISABLED (ACLs without an authorizer)",
	55:  "SASL_AUTHENTICATION_FAILED",
	69:  "GROUP_ID_NOT_FOUND (a group never used)",
	79:  "MEMBER_ID_REQUIRED (JoinGroup v4+ without a member id)",
	84:  "ELECTION_NOT_NEEDED (the only replica leads)",
	85:  "NO_REASSIGNMENT_IN_PROGRESS",
	100: "UNKNOWN_TOPIC_ID",
	102: "BROKER_ID_NOT_REGISTERED (UnregisterBroker of a broker that is not there)",
	113: "UNKNOWN_SUBSCRIPTION_ID",
}

// errorCodes collects every int16 field named ErrorCode in a kmsg response, with its path.
func errorCodes(v reflect.Value, path string, out map[string]int16) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			errorCodes(v.Elem(), path, out)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.Name == "ErrorCode" && f.Type.Kind() == reflect.Int16 {
				out[path+".ErrorCode"] = int16(v.Field(i).Int())
				continue
			}
			errorCodes(v.Field(i), path+"."+f.Name, out)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := 0; i < v.Len(); i++ {
			errorCodes(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

func TestKmsgEveryAdvertisedVersion(t *testing.T) {
	// group.initial.rebalance.delay.ms=0: a JoinGroup per version must not wait 3 s each.
	b := startBroker(t, "group.initial.rebalance.delay.ms=0", "num.partitions=1")
	conn := dialKmsg(t, b.Addr)
	defer conn.c.Close()

	av := kmsg.NewPtrApiVersionsRequest()
	av.Version, av.ClientSoftwareName, av.ClientSoftwareVersion = 3, "kmsg-versions", "1.0"
	body, err := conn.roundTrip(av)
	if err != nil {
		t.Fatalf("ApiVersions: %v", err)
	}
	avResp := av.ResponseKind().(*kmsg.ApiVersionsResponse)
	avResp.Version = 3
	if err := avResp.ReadFrom(body); err != nil || avResp.ErrorCode != 0 {
		t.Fatalf("ApiVersions v3: %v, error %d", err, avResp.ErrorCode)
	}
	s := &kmsgScenario{topic: "kmsg-versions", group: "kmsg-versions-group", nodeID: 1}
	for _, f := range avResp.FinalizedFeatures {
		if f.Name == "metadata.version" {
			s.metaLvl = f.MaxVersionLevel
		}
	}

	// The topic every request names, and its id.
	ct := kmsg.NewPtrCreateTopicsRequest()
	ct.Version, ct.TimeoutMillis = 7, 10000
	ct.Topics = []kmsg.CreateTopicsRequestTopic{{Topic: s.topic, NumPartitions: 1, ReplicationFactor: 1}}
	if body, err = conn.roundTrip(ct); err != nil {
		t.Fatalf("CreateTopics: %v", err)
	}
	ctResp := ct.ResponseKind().(*kmsg.CreateTopicsResponse)
	ctResp.Version = 7
	if err := ctResp.ReadFrom(body); err != nil || len(ctResp.Topics) != 1 || ctResp.Topics[0].ErrorCode != 0 {
		t.Fatalf("CreateTopics v7: %v %+v", err, ctResp.Topics)
	}
	s.topicID = ctResp.Topics[0].TopicID

	checked := 0
	for _, k := range avResp.ApiKeys {
		for v := k.MinVersion; v <= k.MaxVersion; v++ {
			req := kmsg.RequestForKey(k.ApiKey)
			if req == nil {
				t.Errorf("API %d: kmsg does not know it", k.ApiKey)
				break
			}
			name := fmt.Sprintf("%s v%d", kmsg.NameForKey(k.ApiKey), v)
			if v > req.MaxVersion() {
				t.Errorf("%s: kmsg v1.15 knows this API only up to v%d", name, req.MaxVersion())
				continue
			}
			req.SetVersion(v)
			s.fill(req, v)
			c := dialKmsg(t, b.Addr)
			body, err := c.roundTrip(req)
			c.c.Close()
			if err != nil {
				t.Errorf("%s: no answer: %v", name, err)
				continue
			}
			resp := req.ResponseKind()
			resp.SetVersion(v)
			if err := resp.ReadFrom(body); err != nil {
				t.Errorf("%s: kmsg cannot decode the answer (%d bytes): %v", name, len(body), err)
				continue
			}
			if again := resp.AppendTo(nil); !bytes.Equal(again, body) {
				t.Errorf("%s: kmsg decodes the answer but re-encodes it differently (%d bytes, re-encoded %d): answer %x",
					name, len(body), len(again), body[:min(len(body), 64)])
			}
			codes := map[string]int16{}
			errorCodes(reflect.ValueOf(resp), "", codes)
			for path, code := range codes {
				if _, ok := kmsgAllowedErrors[code]; ok {
					continue
				}
				what := "an error code Kafka does not know"
				if e := kerr.ErrorForCode(code); e != kerr.UnknownServerError || code == -1 {
					what = e.Error()
				}
				t.Errorf("%s: %s = %d (%s)", name, path, code, what)
			}
			checked++
		}
	}
	t.Logf("%d API versions checked with kmsg", checked)
	if checked < 200 {
		t.Errorf("only %d API versions checked: ApiVersions advertised less than expected", checked)
	}
}
