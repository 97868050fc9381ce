'use strict'
// KafkaJS against the real chronik binary: admin createTopics, producer with keys and
// headers (none, gzip, snappy, lz4; acks 0, 1, all), reading everything back, admin
// offsets, configs, deleteTopicRecords, deleteTopics; consumers that seek (to an offset,
// to a timestamp's offset); groups (join, rebalance, commit, resume, describe, list,
// delete, set/reset offsets); transactions; SASL (PLAIN, SCRAM-SHA-256/512, unsecured
// OAUTHBEARER), TLS, mutual TLS and SASL_SSL. One broker for the file, one topic per test;
// tests run in file order, and a few hand state to the next.
//
// Consumption: KafkaJS's only consumer is a group consumer; the produce scenarios read
// their messages back with KafkaJS's own Fetch request and record batch decoder (its
// internal Cluster/Broker classes) so that they do not depend on groups, and the group
// scenarios use consumer.run.
const fs = require('node:fs')
const test = require('node:test')
const assert = require('node:assert/strict')
const { Kafka, AssignerProtocol, CompressionTypes, CompressionCodecs, ConfigResourceTypes, logLevel } = require('kafkajs')
const SnappyCodec = require('kafkajs-snappy')
const LZ4Codec = require('kafkajs-lz4')
const { startBroker } = require('./broker')

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec
// ZSTD: @kafkajs/zstd needs cppzst, a native addon that does not build on Node 20.

const MESSAGES = 10000
const PARTITIONS = 3

let broker, kafka, admin
// Group consumers a failed test left connected; test.after disconnects them.
const openConsumers = new Set()

// One COMPAT-RESULT line per operation of the compatibility report (tests/compat/ops.py),
// read by tests/compat/run; the test itself passes or fails as usual.
function report(ops, status, reason = '') {
  for (const op of ops) console.log('COMPAT-RESULT ' + JSON.stringify({ op, status, reason: String(reason).split('\n')[0] }))
}
function opTest(ops, name, options, fn) {
  if (!fn) [options, fn] = [{}, options]
  test(name, options, async t => {
    try {
      await fn(t)
      report(ops, 'pass')
    } catch (e) {
      report(ops, 'fail', `${e.name}: ${e.message}`)
      throw e
    }
  })
}

test.before(async () => {
  broker = await startBroker()
  kafka = new Kafka({ clientId: 'chronik-compat', brokers: [broker.bootstrap], logLevel: logLevel.ERROR })
  admin = kafka.admin()
  await admin.connect()
})

test.after(async () => {
  for (const c of openConsumers) await c.disconnect().catch(() => {})
  if (admin) await admin.disconnect()
  if (broker) {
    const code = await broker.stop()
    assert.equal(code, 0, 'chronik must exit 0 on SIGTERM')
  }
})

// KafkaJS keeps its Cluster (metadata + broker connections) private; the client builds it
// with a symbol-keyed factory, which is the same object its producer and consumer use.
function createCluster() {
  const sym = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  assert.ok(sym, 'KafkaJS internals changed: no createCluster')
  return kafka[sym]({})
}

/** Every record of every partition, from `from[p]` (default 0) to the high watermark. */
async function readAll(topic, from = {}) {
  const cluster = createCluster()
  await cluster.connect()
  try {
    await cluster.addTargetTopic(topic)
    await cluster.refreshMetadata()
    const byLeader = cluster.findLeaderForPartitions(topic, [...Array(PARTITIONS).keys()])
    const out = {}
    for (const [nodeId, partitions] of Object.entries(byLeader)) {
      const b = await cluster.findBroker({ nodeId })
      for (const partition of partitions) {
        out[partition] = []
        let offset = from[partition] || 0
        for (let round = 0; round < 1000; round++) {
          const res = await b.fetch({
            replicaId: -1,
            isolationLevel: 1,
            maxWaitTime: 100,
            minBytes: 1,
            maxBytes: 1 << 20,
            topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: 1 << 20 }] }],
          })
          const p = res.responses[0].partitions[0]
          assert.equal(p.errorCode, 0, `fetch error ${p.errorCode} for ${topic}/${partition} at ${offset}`)
          // A fetch returns whole batches: skip records before the asked offset.
          const records = p.messages.filter(m => BigInt(m.offset) >= BigInt(offset))
          out[partition].push(...records)
          if (records.length) offset = Number(records[records.length - 1].offset) + 1
          if (offset >= Number(p.highWatermark)) break
          assert.ok(records.length, `no progress fetching ${topic}/${partition} at ${offset} < HW ${p.highWatermark}`)
        }
      }
    }
    return out
  } finally {
    await cluster.disconnect()
  }
}

const key = i => `key-${i % 101}`
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const value = i => `value-${i}-${'x'.repeat(i % 50)}`

async function createTopic(topic, configEntries = []) {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries }],
    waitForLeaders: true,
  })
  assert.equal(created, true, `createTopics(${topic}) returned ${created}`)
}

/** MESSAGES keyed messages with headers, acks=all, in chunks of 500. */
async function produce(topic, { compression = CompressionTypes.None, idempotent = false } = {}) {
  const producer = kafka.producer({ idempotent, allowAutoTopicCreation: false })
  await producer.connect()
  try {
    const chunk = 500
    for (let start = 0; start < MESSAGES; start += chunk) {
      const messages = []
      for (let i = start; i < start + chunk; i++) {
        messages.push({ key: key(i), value: value(i), headers: { index: String(i), origin: 'kafkajs' } })
      }
      // acks=-1 (all) is KafkaJS's default. One send at a time, so that the records of
      // each partition are stored in send order.
      const meta = await producer.send({ topic, messages, compression, acks: -1 })
      for (const m of meta) assert.equal(m.errorCode, 0, `produce error ${m.errorCode}`)
    }
  } finally {
    await producer.disconnect()
  }
}

function verify(records, label, count = MESSAGES) {
  const seen = new Set()
  const keyPartition = new Map()
  let total = 0
  for (const [partition, list] of Object.entries(records)) {
    let last = -1
    const lastOfKey = new Map()
    for (const r of list) {
      const offset = Number(r.offset)
      assert.ok(offset > last, `${label}: partition ${partition} offset ${offset} after ${last}`)
      last = offset
      const i = Number(r.headers.index.toString())
      assert.ok(!seen.has(i), `${label}: message ${i} twice`)
      seen.add(i)
      assert.equal(r.key.toString(), key(i), `${label}: key of ${i}`)
      assert.equal(r.value.toString(), value(i), `${label}: value of ${i}`)
      assert.equal(r.headers.origin.toString(), 'kafkajs', `${label}: origin header of ${i}`)
      const prevPartition = keyPartition.get(key(i))
      assert.ok(prevPartition === undefined || prevPartition === partition, `${label}: ${key(i)} in two partitions`)
      keyPartition.set(key(i), partition)
      const prev = lastOfKey.get(key(i))
      assert.ok(prev === undefined || prev < i, `${label}: ${key(i)}: message ${i} stored after ${prev}`)
      lastOfKey.set(key(i), i)
      total++
    }
    // Dense offsets from 0.
    if (list.length) assert.equal(Number(list[list.length - 1].offset), list.length - 1, `${label}: offsets of ${partition} not dense`)
  }
  assert.equal(seen.size, count, `${label}: distinct messages`)
  assert.equal(total, count, `${label}: records`)
}

opTest(['metadata', 'create_topic'], 'admin createTopics, listTopics, fetchTopicMetadata', async () => {
  await createTopic('kjs-admin')
  assert.ok((await admin.listTopics()).includes('kjs-admin'))
  const { topics } = await admin.fetchTopicMetadata({ topics: ['kjs-admin'] })
  assert.equal(topics.length, 1)
  assert.equal(topics[0].partitions.length, PARTITIONS)
  for (const p of topics[0].partitions) {
    assert.equal(p.partitionErrorCode, 0)
    assert.deepEqual(p.replicas, [p.leader])
    assert.deepEqual(p.isr, [p.leader])
  }
  // A second create of the same name: TOPIC_ALREADY_EXISTS, which KafkaJS reports as false.
  assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-admin', numPartitions: PARTITIONS }] }), false)
})

for (const [name, compression] of Object.entries({
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
})) {
  const ops = name === 'none' ? ['produce_keys_headers', 'produce_acks_all', 'consume_beginning'] : [`produce_${name}`]
  opTest(ops, `produce ${MESSAGES} keyed messages with headers (${name}), read them all back`, async () => {
    const topic = `kjs-${name}`
    await createTopic(topic)
    await produce(topic, { compression })
    verify(await readAll(topic), name)
  })
}

opTest(['produce_idempotent'], 'idempotent producer (gzip)', async () => {
  const topic = 'kjs-idempotent'
  await createTopic(topic)
  await produce(topic, { compression: CompressionTypes.GZIP, idempotent: true })
  verify(await readAll(topic), 'idempotent')
})

// acks=0 and acks=1: 1,000 keyed messages with headers in sends of 100, read back exactly.
const ACKS_MESSAGES = 1000

async function produceWithAcks(topic, acks, { client = kafka, beforeDisconnect = async () => {} } = {}) {
  const producer = client.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const sends = []
  try {
    for (let start = 0; start < ACKS_MESSAGES; start += 100) {
      const messages = []
      for (let i = start; i < start + 100; i++) {
        messages.push({ key: key(i), value: value(i), headers: { index: String(i), origin: 'kafkajs' } })
      }
      sends.push({ start, result: await producer.send({ topic, messages, acks }) })
    }
    await beforeDisconnect()
  } finally {
    await producer.disconnect()
  }
  return sends
}

/** Polls ListOffsets until the topic holds `count` records (acks=0 sends do not wait for the write). */
async function awaitRecords(topic, count, ms = 10000) {
  const deadline = Date.now() + ms
  for (;;) {
    const total = (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high) - Number(o.low), 0)
    if (total === count) return
    assert.ok(total < count, `${topic} holds ${total} records, more than the ${count} sent`)
    if (Date.now() > deadline) throw new Error(`${topic} holds ${total} of ${count} records ${ms} ms after the last send`)
    await sleep(100)
  }
}

opTest(['produce_acks_0'], `produce ${ACKS_MESSAGES} messages with acks=0, read them all back`, { timeout: 30000 }, async () => {
  const topic = 'kjs-acks0'
  await createTopic(topic)
  // A response to an acks=0 produce would reach KafkaJS as one it never asked for, which
  // it logs (warn) as "Response without match": the producer's client keeps those.
  const unmatched = []
  const client = new Kafka({
    clientId: 'chronik-compat-acks0', brokers: [broker.bootstrap], logLevel: logLevel.WARN,
    logCreator: () => ({ log }) => { if (/without match/.test(log.message)) unmatched.push(log) },
  })
  // The producer stays connected until every record is stored, so that a late response is seen.
  const sends = await produceWithAcks(topic, 0, { client, beforeDisconnect: () => awaitRecords(topic, ACKS_MESSAGES) })
  for (const { result } of sends) assert.deepEqual(result, [], 'acks=0 sends return no metadata')
  assert.deepEqual(unmatched, [], 'the broker answered acks=0 produce requests')
  verify(await readAll(topic), 'acks=0', ACKS_MESSAGES)
})

opTest(['produce_acks_1'], `produce ${ACKS_MESSAGES} messages with acks=1, offsets returned match the log`, async () => {
  const topic = 'kjs-acks1'
  await createTopic(topic)
  const sends = await produceWithAcks(topic, 1)
  const records = await readAll(topic)
  verify(records, 'acks=1', ACKS_MESSAGES)
  // Each send's base offset per partition is where the first of its messages landed.
  for (const { start, result } of sends) {
    assert.ok(result.length > 0, `send from ${start} returned no partitions`)
    for (const r of result) {
      assert.equal(r.errorCode, 0, `send from ${start}: error ${r.errorCode} on partition ${r.partition}`)
      const mine = records[r.partition].filter(m => {
        const i = Number(m.headers.index.toString())
        return i >= start && i < start + 100
      })
      assert.ok(mine.length > 0, `send from ${start}: partition ${r.partition} holds none of its messages`)
      assert.equal(mine[0].offset, r.baseOffset, `send from ${start}: base offset on partition ${r.partition}`)
      assert.equal(Number(mine[mine.length - 1].offset), Number(r.baseOffset) + mine.length - 1)
    }
    assert.equal(new Set(result.map(r => r.partition)).size, result.length, `send from ${start}: a partition answered twice`)
  }
})

opTest(['list_offsets', 'delete_records'], 'admin fetchTopicOffsets, fetchTopicOffsetsByTimestamp, deleteTopicRecords', async () => {
  const topic = 'kjs-offsets'
  await createTopic(topic)
  const producer = kafka.producer()
  await producer.connect()
  const base = Date.now() - 3600000
  for (let b = 0; b < 10; b++) {
    const messages = []
    for (let i = b * 10; i < b * 10 + 10; i++) messages.push({ partition: 0, value: `v${i}`, timestamp: String(base + 10 * i) })
    await producer.send({ topic, messages })
  }
  await producer.send({ topic, messages: [{ partition: 1, value: 'only' }] })
  await producer.disconnect()

  const offsets = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map(o => [o.partition, o]))
  assert.deepEqual(
    [0, 1, 2].map(p => [offsets[p].low, offsets[p].high, offsets[p].offset]),
    [['0', '100', '100'], ['0', '1', '1'], ['0', '0', '0']]
  )
  const at = async ts => Object.fromEntries((await admin.fetchTopicOffsetsByTimestamp(topic, ts)).map(o => [o.partition, o.offset]))
  assert.equal((await at(base))[0], '0')
  assert.equal((await at(base + 370))[0], '37')
  assert.equal((await at(base + 371))[0], '38')
  // After every record: KafkaJS answers the high watermark in place of -1.
  assert.equal((await at(base + 100000))[0], '100')

  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '42' }] })
  const after = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map(o => [o.partition, o]))
  assert.equal(after[0].low, '42')
  assert.equal(after[0].high, '100')
  const left = (await readAll(topic, { 0: 42 }))[0]
  assert.equal(left.length, 58)
  assert.equal(left[0].offset, '42')
  assert.equal(left[0].value.toString(), 'v42')
})

opTest(['create_topic_configs', 'describe_configs', 'alter_configs'], 'admin describeConfigs and alterConfigs', async () => {
  const topic = 'kjs-configs'
  await createTopic(topic, [{ name: 'retention.ms', value: '86400000' }])
  const describe = async () => {
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    })
    assert.equal(res.resources.length, 1)
    assert.equal(res.resources[0].errorCode, 0)
    return Object.fromEntries(res.resources[0].configEntries.map(e => [e.configName, e]))
  }
  let cfg = await describe()
  assert.equal(cfg['retention.ms'].configValue, '86400000')
  assert.equal(cfg['retention.ms'].isDefault, false)
  assert.equal(cfg['cleanup.policy'].configValue, 'delete')
  assert.equal(cfg['cleanup.policy'].isDefault, true)
  for (const name of ['max.message.bytes', 'retention.bytes', 'segment.bytes', 'message.timestamp.type', 'compression.type']) {
    assert.ok(cfg[name], `describeConfigs lacks ${name}`)
  }

  // AlterConfigs (not incremental: KafkaJS has no IncrementalAlterConfigs) replaces the
  // topic's whole set of dynamic configs.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'max.message.bytes', value: '2000000' }] }],
  })
  cfg = await describe()
  assert.equal(cfg['max.message.bytes'].configValue, '2000000')
  assert.equal(cfg['max.message.bytes'].isDefault, false)
  assert.equal(cfg['retention.ms'].configValue, '604800000', 'AlterConfigs resets the configs it does not name')
  assert.equal(cfg['retention.ms'].isDefault, true)

  await assert.rejects(
    admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
    }),
    /INVALID_CONFIG|Invalid|invalid/
  )
})

opTest(['delete_topic'], 'admin deleteTopics', async () => {
  const topic = 'kjs-delete-me'
  await createTopic(topic)
  await produce(topic, { compression: CompressionTypes.GZIP })
  await admin.deleteTopics({ topics: [topic], timeout: 10000 })
  assert.ok(!(await admin.listTopics()).includes(topic))
  // No retries here: an unknown topic is what we expect, not something to wait out.
  const once = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin()
  await once.connect()
  try {
    await assert.rejects(once.fetchTopicOffsets(topic), /does not host this topic-partition/)
  } finally {
    await once.disconnect()
  }
  await createTopic(topic)
  const offsets = await admin.fetchTopicOffsets(topic)
  assert.deepEqual(offsets.map(o => o.high), ['0', '0', '0'])
})

opTest(
  ['group_join'],
  'group consumer (consumer.run) reads everything back',
  { timeout: 30000 },
  async () => {
    const topic = 'kjs-group'
    await createTopic(topic)
    await produce(topic)
    const consumer = kafka.consumer({ groupId: 'kjs-group', retry: { retries: 2 } })
    await consumer.connect()
    const seen = new Set()
    try {
      await consumer.subscribe({ topic, fromBeginning: true })
      await new Promise((resolve, reject) => {
        consumer.on(consumer.events.CRASH, e => reject(e.payload.error))
        consumer
          .run({
            eachMessage: async ({ message }) => {
              seen.add(message.headers.index.toString())
              if (seen.size === MESSAGES) resolve()
            },
          })
          .catch(reject)
      })
    } finally {
      await consumer.disconnect()
    }
    assert.equal(seen.size, MESSAGES)
  }
)

// Three members over an 8-partition topic: two split it, a third joins, the first leaves;
// every message is consumed exactly once (offsets committed after each message, so that
// a rebalance hands over exactly what was processed).
opTest(['group_rebalance', 'group_rebalance_exactly_once'], 'group rebalance: a member joins, one leaves, every message once', { timeout: 90000 }, async () => {
  const topic = 'kjs-rebalance'
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 8, replicationFactor: 1 }], waitForLeaders: true })
  assert.equal(created, true)
  const producer = kafka.producer()
  await producer.connect()
  let next = 0
  const send = async n => {
    const messages = []
    for (let i = 0; i < n; i++, next++) messages.push({ key: `m${next}`, value: `v${next}` })
    await producer.send({ topic, messages })
  }
  const counts = new Map()
  const assignment = new Map()
  const members = []
  const join = async name => {
    const consumer = kafka.consumer({ groupId: 'kjs-rebalance', sessionTimeout: 10000, heartbeatInterval: 500,
                                      retry: { retries: 5 } })
    await consumer.connect()
    consumer.on(consumer.events.GROUP_JOIN, e => assignment.set(name, (e.payload.memberAssignment[topic] || []).slice().sort()))
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      autoCommitThreshold: 1,
      eachMessage: async ({ message }) => {
        const k = message.key.toString()
        counts.set(k, (counts.get(k) || 0) + 1)
      },
    })
    members.push({ name, consumer })
  }
  const until = async (what, ok, ms = 30000) => {
    const deadline = Date.now() + ms
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify([...assignment])}`)
      await new Promise(r => setTimeout(r, 100))
    }
  }
  const split = names => {
    const all = names.flatMap(n => assignment.get(n) || [])
    return names.every(n => (assignment.get(n) || []).length > 0) && all.length === 8 && new Set(all).size === 8
  }
  try {
    await send(200)
    await join('a')
    await join('b')
    await until('two members to split the partitions', () => split(['a', 'b']))
    await send(200)
    await join('c')
    await until('three members to split the partitions', () => split(['a', 'b', 'c']))
    await send(200)
    const a = members.shift()
    await a.consumer.disconnect()
    assignment.delete('a')
    await until('two remaining members to split the partitions', () => split(['b', 'c']))
    await send(200)
    await until('every message', () => counts.size === 800)
    await new Promise(r => setTimeout(r, 1000))
  } finally {
    for (const m of members) await m.consumer.disconnect()
    await producer.disconnect()
  }
  const twice = [...counts].filter(([, n]) => n !== 1)
  assert.deepEqual(twice, [], 'messages consumed more than once')
  assert.equal(counts.size, 800)
})

opTest(['transactions'], 'transactional producer: committed records only, with read_committed', { timeout: 30000 }, async () => {
  const topic = 'kjs-txn'
  await createTopic(topic)
  const producer = kafka.producer({ transactionalId: 'kjs-txn', idempotent: true, maxInFlightRequests: 1, retry: { retries: 2 } })
  await producer.connect()
  try {
    for (const [round, commit] of [[0, true], [1, false], [2, true]]) {
      const txn = await producer.transaction()
      await txn.send({ topic, messages: [...Array(10).keys()].map(i => ({ partition: 0, value: `r${round}-${i}` })) })
      await (commit ? txn.commit() : txn.abort())
    }
  } finally {
    await producer.disconnect()
  }
  // KafkaJS's consumer (read_committed is its default) drops aborted records and markers.
  const consumer = kafka.consumer({ groupId: 'kjs-txn-reader', readUncommitted: false, retry: { retries: 2 } })
  await consumer.connect()
  const values = []
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(), 20000)
      consumer.on(consumer.events.CRASH, e => reject(e.payload.error))
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value.toString())
            if (values.length >= 20) setTimeout(() => { clearTimeout(timer); resolve() }, 1000)
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  assert.equal(values.filter(v => v.startsWith('r1-')).length, 0, 'aborted records read')
  assert.equal(values.length, 20, 'committed records read')
})

// ---- Consuming from a position, and the group APIs --------------------------------------
// These topics hold `p<partition>-<offset>` values written to explicit partitions, so that
// what a consumer receives can be checked record by record against the offsets expected.

/** Writes counts[p] records to each partition p; timestamp(p, i) gives explicit timestamps. */
async function producePerPartition(topic, counts, timestamp = null) {
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  try {
    for (const [partition, count] of Object.entries(counts)) {
      const messages = []
      for (let i = 0; i < count; i++) {
        messages.push({ partition: Number(partition), value: `p${partition}-${i}`, ...(timestamp ? { timestamp: String(timestamp(partition, i)) } : {}) })
      }
      if (messages.length) await producer.send({ topic, messages })
    }
  } finally {
    await producer.disconnect()
  }
}

/** A connected group consumer subscribed to `topic`. A short maxWaitTime so that a seek is not held up by a long poll. */
async function groupConsumer(groupId, topic, { fromBeginning, client = kafka, ...options }) {
  const consumer = client.consumer({ groupId, maxWaitTimeInMs: 500, retry: { retries: 2 }, ...options })
  await consumer.connect()
  openConsumers.add(consumer)
  await consumer.subscribe({ topic, fromBeginning })
  return consumer
}

async function closeConsumer(consumer) {
  openConsumers.delete(consumer)
  await consumer.disconnect()
}

/**
 * consumer.run, collecting every record eachMessage sees, until `expected` records have
 * arrived and then `settleMs` more, so that a record beyond the expected ones is caught too.
 * `afterRun` runs once run() has joined the group (KafkaJS requires seek after run).
 */
async function consume(consumer, { expected, afterRun = async () => {}, settleMs = 1500, timeoutMs = 20000, runOptions = {} }) {
  const records = []
  let crash = null
  consumer.on(consumer.events.CRASH, e => { crash = e.payload.error })
  await consumer.run({
    ...runOptions,
    eachMessage: async ({ partition, message }) => {
      records.push({ partition, offset: Number(message.offset), value: message.value.toString(), timestamp: message.timestamp })
    },
  })
  await afterRun()
  const deadline = Date.now() + timeoutMs
  while (records.length < expected) {
    if (crash) throw crash
    if (Date.now() > deadline) throw new Error(`the consumer got ${records.length} of ${expected} records within ${timeoutMs} ms`)
    await sleep(50)
  }
  await sleep(settleMs)
  if (crash) throw crash
  return records
}

/** Exactly offsets [from, to) of each partition in `ranges`, in order, and nothing from other partitions. */
function expectRanges(records, ranges, label) {
  const got = {}
  for (const r of records) {
    assert.equal(r.value, `p${r.partition}-${r.offset}`, `${label}: value at ${r.partition}/${r.offset}`)
    ;(got[r.partition] = got[r.partition] || []).push(r.offset)
  }
  const want = {}
  for (const [p, [from, to]] of Object.entries(ranges)) {
    if (to > from) want[p] = [...Array(to - from).keys()].map(i => from + i)
  }
  assert.deepEqual(got, want, `${label}: offsets received per partition`)
}

/** admin.fetchOffsets for one topic as { partition: offset }, and the metadata beside it. */
async function committed(groupId, topic) {
  const res = await admin.fetchOffsets({ groupId, topics: [topic] })
  assert.equal(res.length, 1)
  assert.equal(res[0].topic, topic)
  const offsets = {}
  const metadata = {}
  for (const p of res[0].partitions) {
    offsets[p.partition] = p.offset
    metadata[p.partition] = p.metadata
  }
  return { offsets, metadata }
}

opTest(['consume_offset'], 'consumer.seek to given offsets: exactly the records from there', { timeout: 40000 }, async () => {
  const topic = 'kjs-seek'
  await createTopic(topic)
  await producePerPartition(topic, { 0: 50, 1: 50, 2: 50 })
  // fromBeginning: false, and no committed offsets: without the seek nothing would arrive.
  const consumer = await groupConsumer('kjs-seek', topic, { fromBeginning: false })
  try {
    const records = await consume(consumer, {
      expected: 40 + 25 + 1,
      afterRun: async () => {
        consumer.seek({ topic, partition: 0, offset: '10' })
        consumer.seek({ topic, partition: 1, offset: '25' })
        consumer.seek({ topic, partition: 2, offset: '49' })
      },
    })
    expectRanges(records, { 0: [10, 50], 1: [25, 50], 2: [49, 50] }, 'after seek')
  } finally {
    await closeConsumer(consumer)
  }
})

opTest(['consume_timestamp'], 'admin.fetchTopicOffsetsByTimestamp, then consume from those offsets', { timeout: 40000 }, async () => {
  const topic = 'kjs-by-time'
  await createTopic(topic)
  const base = Date.now() - 3600000
  // Partition 0 one record a second from base, partition 1 the same half a second later,
  // partition 2 entirely before the timestamp asked for.
  const ts = (p, i) => (p === '2' ? base - 100000 + i : base + 1000 * i + (p === '1' ? 500 : 0))
  const counts = { 0: 40, 1: 40, 2: 40 }
  await producePerPartition(topic, counts, ts)
  const at = base + 25200
  const offsets = Object.fromEntries((await admin.fetchTopicOffsetsByTimestamp(topic, at)).map(o => [o.partition, o.offset]))
  // The first offset whose timestamp is >= at; past the end, KafkaJS answers the high watermark.
  const want = {}
  for (const p of Object.keys(counts)) {
    let i = 0
    while (i < counts[p] && ts(p, i) < at) i++
    want[p] = String(i)
  }
  assert.deepEqual(offsets, want)
  assert.deepEqual(want, { 0: '26', 1: '25', 2: '40' })

  const consumer = await groupConsumer('kjs-by-time', topic, { fromBeginning: false })
  try {
    const records = await consume(consumer, {
      expected: 14 + 15,
      afterRun: async () => {
        for (const [partition, offset] of Object.entries(offsets)) consumer.seek({ topic, partition: Number(partition), offset })
      },
    })
    expectRanges(records, { 0: [26, 40], 1: [25, 40] }, 'by timestamp')
    for (const r of records) {
      assert.equal(r.timestamp, String(ts(String(r.partition), r.offset)), `timestamp of ${r.partition}/${r.offset}`)
      assert.ok(Number(r.timestamp) >= at)
    }
  } finally {
    await closeConsumer(consumer)
  }
})

// group_commit then group_resume: the second picks up the group the first left.
const COMMIT = { topic: 'kjs-commit', groupId: 'kjs-commit', at: { 0: 20, 1: 35, 2: 50 } }

opTest(['group_commit'], 'consumer.commitOffsets (autoCommit off), read back with admin.fetchOffsets', { timeout: 40000 }, async () => {
  const { topic, groupId, at } = COMMIT
  await createTopic(topic)
  await producePerPartition(topic, { 0: 50, 1: 50, 2: 50 })
  const consumer = await groupConsumer(groupId, topic, { fromBeginning: true })
  try {
    const records = await consume(consumer, { expected: 150, runOptions: { autoCommit: false } })
    expectRanges(records, { 0: [0, 50], 1: [0, 50], 2: [0, 50] }, 'first read')
    // autoCommit off: consuming committed nothing.
    assert.deepEqual((await committed(groupId, topic)).offsets, { 0: '-1', 1: '-1', 2: '-1' })
    await consumer.commitOffsets(Object.entries(at).map(([partition, offset]) => ({
      topic, partition: Number(partition), offset: String(offset), metadata: `kjs-commit-${partition}`,
    })))
    const c = await committed(groupId, topic)
    assert.deepEqual(c.offsets, { 0: '20', 1: '35', 2: '50' })
    assert.deepEqual(c.metadata, { 0: 'kjs-commit-0', 1: 'kjs-commit-1', 2: 'kjs-commit-2' })
  } finally {
    await closeConsumer(consumer)
  }
  // Leaving the group keeps its offsets.
  assert.deepEqual((await committed(groupId, topic)).offsets, { 0: '20', 1: '35', 2: '50' })
})

opTest(['group_resume'], 'a new consumer in the group resumes exactly at the committed offsets', { timeout: 40000 }, async () => {
  const { topic, groupId, at } = COMMIT
  assert.deepEqual((await committed(groupId, topic)).offsets, { 0: '20', 1: '35', 2: '50' }, 'group_commit left no offsets')
  // fromBeginning: true would start at 0 were there no commits.
  const consumer = await groupConsumer(groupId, topic, { fromBeginning: true })
  try {
    const records = await consume(consumer, {
      expected: 30 + 15 + 5,
      // Partition 2 was consumed to its end: it resumes with what is written now.
      afterRun: async () => {
        const producer = kafka.producer()
        await producer.connect()
        await producer.send({ topic, messages: [50, 51, 52, 53, 54].map(i => ({ partition: 2, value: `p2-${i}` })) })
        await producer.disconnect()
      },
    })
    expectRanges(records, { 0: [at[0], 50], 1: [at[1], 50], 2: [50, 55] }, 'resumed')
  } finally {
    await closeConsumer(consumer)
  }
  // autoCommit (the default) committed what this consumer processed.
  assert.deepEqual((await committed(groupId, topic)).offsets, { 0: '50', 1: '50', 2: '55' })
})

// group_describe, group_list, group_delete share one live group of two members.
const LIVE = { topic: 'kjs-live', groupId: 'kjs-live', members: [] }

opTest(['group_describe'], 'admin.describeGroups: state, protocol, members and their assignments', { timeout: 60000 }, async () => {
  const { topic, groupId } = LIVE
  await createTopic(topic)
  await producePerPartition(topic, { 0: 10, 1: 10, 2: 10 })
  const seen = new Set()
  for (const name of ['a', 'b']) {
    // Each member its own client id, to find it in the description.
    const client = new Kafka({ clientId: `kjs-live-${name}`, brokers: [broker.bootstrap], logLevel: logLevel.ERROR })
    const consumer = await groupConsumer(groupId, topic, { fromBeginning: true, client })
    const member = { name, consumer, memberId: null, assignment: null }
    consumer.on(consumer.events.GROUP_JOIN, e => {
      member.memberId = e.payload.memberId
      member.assignment = (e.payload.memberAssignment[topic] || []).slice().sort()
    })
    await consumer.run({ eachMessage: async ({ partition, message }) => { seen.add(`${partition}/${message.offset}`) } })
    LIVE.members.push(member)
  }
  const deadline = Date.now() + 30000
  const split = () => {
    const all = LIVE.members.flatMap(m => m.assignment || [])
    return LIVE.members.every(m => m.assignment && m.assignment.length > 0) && all.length === 3 && new Set(all).size === 3
  }
  while (!split() || seen.size < 30) {
    if (Date.now() > deadline) throw new Error(`no stable split of 3 partitions over 2 members with all 30 records read: ${JSON.stringify(LIVE.members.map(m => [m.name, m.assignment]))}, ${seen.size} read`)
    await sleep(100)
  }

  const { groups } = await admin.describeGroups([groupId, 'kjs-no-such-group'])
  assert.equal(groups.length, 2)
  const g = groups.find(x => x.groupId === groupId)
  assert.equal(g.errorCode, 0)
  assert.equal(g.state, 'Stable')
  assert.equal(g.protocolType, 'consumer')
  assert.equal(g.protocol, 'RoundRobinAssigner')
  assert.deepEqual(g.members.map(m => m.memberId).sort(), LIVE.members.map(m => m.memberId).sort())
  for (const m of g.members) {
    const mine = LIVE.members.find(x => x.memberId === m.memberId)
    assert.equal(m.clientId, `kjs-live-${mine.name}`)
    assert.match(m.clientHost, /127\.0\.0\.1/)
    const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
    assert.deepEqual(Object.keys(assignment.assignment), [topic])
    assert.deepEqual(assignment.assignment[topic].slice().sort(), mine.assignment, `assignment of ${mine.name}`)
    const metadata = AssignerProtocol.MemberMetadata.decode(m.memberMetadata)
    assert.deepEqual(metadata.topics, [topic])
  }
  // An unknown group is described as Dead with no members (DescribeGroups before v6).
  const unknown = groups.find(x => x.groupId === 'kjs-no-such-group')
  assert.equal(unknown.errorCode, 0)
  assert.equal(unknown.state, 'Dead')
  assert.deepEqual(unknown.members, [])
})

opTest(['group_list'], 'admin.listGroups: live and empty groups, with their protocol type', async () => {
  const { groups } = await admin.listGroups()
  const listed = Object.fromEntries(groups.map(g => [g.groupId, g.protocolType]))
  assert.equal(listed[LIVE.groupId], 'consumer', `live group not listed: ${JSON.stringify(groups)}`)
  // A group with no members but committed offsets is still a group.
  assert.equal(listed[COMMIT.groupId], 'consumer', `empty group not listed: ${JSON.stringify(groups)}`)
  // Describing an unknown group did not create it.
  assert.ok(!('kjs-no-such-group' in listed))
  assert.equal(groups.length, Object.keys(listed).length, 'a group listed twice')
})

opTest(['group_delete'], 'admin.deleteGroups: refused while members are in it, then deletes it and its offsets', { timeout: 40000 }, async () => {
  const { topic, groupId } = LIVE
  assert.equal(LIVE.members.length, 2, 'group_describe left no live group')
  // The members commit what they read (autoCommit) after each batch.
  const deadline = Date.now() + 5000
  let before
  while (JSON.stringify((before = (await committed(groupId, topic)).offsets)) !== JSON.stringify({ 0: '10', 1: '10', 2: '10' })) {
    if (Date.now() > deadline) assert.fail(`the members did not commit all 30 records: ${JSON.stringify(before)}`)
    await sleep(100)
  }
  await assert.rejects(admin.deleteGroups([groupId]), e => {
    assert.equal(e.name, 'KafkaJSDeleteGroupsError')
    assert.deepEqual(e.groups.map(g => [g.groupId, g.error && g.error.type]), [[groupId, 'NON_EMPTY_GROUP']])
    return true
  })
  for (const m of LIVE.members.splice(0)) await closeConsumer(m.consumer)
  assert.deepEqual(await admin.deleteGroups([groupId]), [{ groupId, errorCode: 0 }])
  assert.ok(!(await admin.listGroups()).groups.some(g => g.groupId === groupId), 'deleted group still listed')
  const { groups } = await admin.describeGroups([groupId])
  assert.equal(groups[0].state, 'Dead')
  assert.deepEqual((await committed(groupId, topic)).offsets, { 0: '-1', 1: '-1', 2: '-1' }, 'offsets outlived their group')
  await assert.rejects(admin.deleteGroups([groupId]), e => {
    assert.deepEqual(e.groups.map(g => [g.groupId, g.error && g.error.type]), [[groupId, 'GROUP_ID_NOT_FOUND']])
    return true
  })
})

opTest(['group_reset_offsets'], 'admin.setOffsets and admin.resetOffsets, checked with fetchOffsets and a consumer', { timeout: 90000 }, async () => {
  const topic = 'kjs-reset'
  const groupId = 'kjs-reset'
  await createTopic(topic)
  await producePerPartition(topic, { 0: 30, 1: 30, 2: 30 })
  let consumer = await groupConsumer(groupId, topic, { fromBeginning: true })
  try {
    expectRanges(await consume(consumer, { expected: 90 }), { 0: [0, 30], 1: [0, 30], 2: [0, 30] }, 'first read')
  } finally {
    await closeConsumer(consumer)
  }
  assert.deepEqual((await committed(groupId, topic)).offsets, { 0: '30', 1: '30', 2: '30' })

  // setOffsets: back to chosen offsets.
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '12' }] })
  assert.deepEqual((await committed(groupId, topic)).offsets, { 0: '5', 1: '12', 2: '30' })
  // fromBeginning: false, so that only the committed offsets can bring records.
  consumer = await groupConsumer(groupId, topic, { fromBeginning: false })
  try {
    expectRanges(await consume(consumer, { expected: 25 + 18 }), { 0: [5, 30], 1: [12, 30] }, 'after setOffsets')
  } finally {
    await closeConsumer(consumer)
  }

  // resetOffsets to earliest, with partition 0's log start moved to 8: KafkaJS commits
  // the "earliest" sentinel (-2), and fetchOffsets with resolveOffsets turns it into each
  // partition's log start offset and commits that.
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '8' }] })
  await admin.resetOffsets({ groupId, topic, earliest: true })
  assert.deepEqual((await committed(groupId, topic)).offsets, { 0: '-2', 1: '-2', 2: '-2' })
  const resolved = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true })
  assert.deepEqual(resolved[0].partitions.map(p => [p.partition, p.offset]).sort(), [[0, '8'], [1, '0'], [2, '0']])
  assert.deepEqual((await committed(groupId, topic)).offsets, { 0: '8', 1: '0', 2: '0' })
  consumer = await groupConsumer(groupId, topic, { fromBeginning: false })
  try {
    expectRanges(await consume(consumer, { expected: 22 + 30 + 30 }), { 0: [8, 30], 1: [0, 30], 2: [0, 30] }, 'after resetOffsets')
  } finally {
    await closeConsumer(consumer)
  }
})

// ---- SASL and TLS: admin calls over a secured connection ---------------------------------
// tests/compat/run points CHRONIK_SASL_BOOTSTRAP, CHRONIK_TLS_BOOTSTRAP, CHRONIK_MTLS_BOOTSTRAP
// and CHRONIK_SASL_SSL_BOOTSTRAP at secured listeners (the plaintext one when the broker has
// none); short timeouts, no retries, so that a broker without the feature fails fast.
async function securedAdmin(bootstrap, security) {
  const client = new Kafka({
    clientId: 'chronik-compat-secured', brokers: [bootstrap], logLevel: logLevel.NOTHING,
    connectionTimeout: 3000, authenticationTimeout: 3000, requestTimeout: 5000, retry: { retries: 0 }, ...security,
  })
  const a = client.admin()
  await a.connect()
  try {
    const cluster = await a.describeCluster()
    assert.ok(cluster.brokers.length > 0, 'no broker listed')
    assert.ok(Array.isArray(await a.listTopics()))
  } finally {
    await a.disconnect()
  }
}

const SASL_USER = { username: 'compat', password: 'compat-secret' }
const saslBootstrap = () => process.env.CHRONIK_SASL_BOOTSTRAP || broker.bootstrap

opTest(['sasl_plain'], 'SASL/PLAIN: describeCluster and listTopics', { timeout: 20000 }, async () => {
  await securedAdmin(saslBootstrap(), { sasl: { mechanism: 'plain', ...SASL_USER } })
})

for (const [op, mechanism] of [['sasl_scram_sha_256', 'scram-sha-256'], ['sasl_scram_sha_512', 'scram-sha-512']]) {
  opTest([op], `SASL/${mechanism.toUpperCase()}: describeCluster and listTopics`, { timeout: 20000 }, async () => {
    await securedAdmin(saslBootstrap(), { sasl: { mechanism, ...SASL_USER } })
  })
}

/** An unsecured JWT (RFC 7515 appendix A.5: alg none, empty signature) for `sub`. */
function unsecuredJwt(sub) {
  const b64 = o => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${b64({ alg: 'none' })}.${b64({ sub, iat: now, exp: now + 3600 })}.`
}

opTest(['sasl_oauthbearer'], 'SASL/OAUTHBEARER (unsecured JWT): describeCluster and listTopics', { timeout: 20000 }, async () => {
  await securedAdmin(saslBootstrap(), {
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: unsecuredJwt('compat') }) },
  })
})

// Without a CA file (a run outside tests/compat/run) the certificate cannot be checked.
function serverTrust() {
  const ca = process.env.CHRONIK_TLS_CA
  return ca ? { ca: [fs.readFileSync(ca)] } : { rejectUnauthorized: false }
}

opTest(['tls'], 'TLS: describeCluster and listTopics', { timeout: 20000 }, async () => {
  await securedAdmin(process.env.CHRONIK_TLS_BOOTSTRAP || broker.bootstrap, { ssl: serverTrust() })
})

opTest(['mtls'], 'mutual TLS (client certificate): describeCluster and listTopics', { timeout: 20000 }, async () => {
  const cert = process.env.CHRONIK_TLS_CLIENT_CERT
  const key = process.env.CHRONIK_TLS_CLIENT_KEY
  assert.ok(cert && key, 'CHRONIK_TLS_CLIENT_CERT / CHRONIK_TLS_CLIENT_KEY are not set (no client certificate)')
  await securedAdmin(process.env.CHRONIK_MTLS_BOOTSTRAP || broker.bootstrap, {
    ssl: { ...serverTrust(), cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
  })
})

opTest(['sasl_ssl'], 'SASL_SSL (SCRAM-SHA-512 over TLS): describeCluster and listTopics', { timeout: 20000 }, async () => {
  await securedAdmin(process.env.CHRONIK_SASL_SSL_BOOTSTRAP || broker.bootstrap, {
    ssl: serverTrust(), sasl: { mechanism: 'scram-sha-512', ...SASL_USER },
  })
})
