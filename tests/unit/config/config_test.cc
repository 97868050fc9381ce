#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "broker/config/broker_config.h"
#include "broker/config/jaas_config.h"
#include "broker/config/loggers.h"
#include "broker/config/properties.h"

using namespace chronik::config;

namespace {

std::string value_of(const std::vector<Property>& props, const std::string& key) {
  for (auto it = props.rbegin(); it != props.rend(); ++it)
    if (it->key == key) return it->value;
  return "<missing>";
}

BrokerConfig from_text(const std::string& text, const std::vector<std::string>& overrides = {}) {
  std::vector<Property> o;
  for (const auto& a : overrides) o.push_back(parse_override(a));
  return BrokerConfig::from_properties(parse_properties(text), o);
}

const ConfigEntry& entry(const std::vector<ConfigEntry>& entries, const std::string& name) {
  for (const auto& e : entries)
    if (e.name == name) return e;
  FAIL("no entry " << name);
  throw;
}

}  // namespace

TEST_CASE("Properties syntax", "[config]") {
  SECTION("separators, blanks and comments") {
    auto p = parse_properties(
        "# comment\n"
        "  ! another comment\n"
        "\n"
        "a=1\n"
        "b : 2\n"
        "c 3\n"
        "  d=  4  \n"
        "e\n"
        "f=\n"
        "g==x\n"
        "h:=y\n"
        "i\t\f= tab\n");
    REQUIRE(p.size() == 9);
    REQUIRE(value_of(p, "a") == "1");
    REQUIRE(value_of(p, "b") == "2");
    REQUIRE(value_of(p, "c") == "3");
    REQUIRE(value_of(p, "d") == "4  ");  // trailing blanks are kept
    REQUIRE(value_of(p, "e") == "");
    REQUIRE(value_of(p, "f") == "");
    REQUIRE(value_of(p, "g") == "=x");
    REQUIRE(value_of(p, "h") == "=y");
    REQUIRE(value_of(p, "i") == "tab");
    REQUIRE(p[0].line == 4);
  }
  SECTION("line continuations") {
    auto p = parse_properties(
        "listeners=PLAINTEXT://a:1,\\\n"
        "          SSL://b:2\n"
        "even=ends with two\\\\\n"
        "next=x\n"
        "# comment \\\n"
        "after.comment=y\n"
        "k\\\n"
        "  ey=v\n");
    REQUIRE(value_of(p, "listeners") == "PLAINTEXT://a:1,SSL://b:2");
    REQUIRE(value_of(p, "even") == "ends with two\\");
    REQUIRE(value_of(p, "next") == "x");
    REQUIRE(value_of(p, "after.comment") == "y");
    REQUIRE(value_of(p, "key") == "v");
  }
  SECTION("escapes") {
    auto p = parse_properties(
        "a\\=b=c\n"
        "sp\\ ace = v\\tw\\nx\n"
        "col\\:on=\\#not a comment\n"
        "u=\\u0041\\u00e9\\u20AC\n"
        "pair=\\uD83D\\uDE00\n"
        "other=\\q\\\\\n");
    REQUIRE(value_of(p, "a=b") == "c");
    REQUIRE(value_of(p, "sp ace") == "v\tw\nx");
    REQUIRE(value_of(p, "col:on") == "#not a comment");
    REQUIRE(value_of(p, "u") == "A\xC3\xA9\xE2\x82\xAC");
    REQUIRE(value_of(p, "pair") == "\xF0\x9F\x98\x80");
    REQUIRE(value_of(p, "other") == "q\\");
    REQUIRE_THROWS_AS(parse_properties("bad=\\u12G4\n"), PropertiesError);
    REQUIRE_THROWS_AS(parse_properties("bad=\\u12"), PropertiesError);
  }
  SECTION("line endings: \\r\\n, \\r, no final newline") {
    auto p = parse_properties("a=1\r\nb=2\rc=3");
    REQUIRE(p.size() == 3);
    REQUIRE(value_of(p, "a") == "1");
    REQUIRE(value_of(p, "b") == "2");
    REQUIRE(value_of(p, "c") == "3");
    auto q = parse_properties("a=x\\\r\n  y\r\n");
    REQUIRE(value_of(q, "a") == "xy");
  }
  SECTION("later duplicates win") {
    auto c = from_text("num.partitions=3\nnum.partitions=5\n");
    REQUIRE(c.get_int("num.partitions") == 5);
  }
  SECTION("--override") {
    auto o = parse_override("a.b=c=d");
    REQUIRE(o.key == "a.b");
    REQUIRE(o.value == "c=d");
    REQUIRE_THROWS_AS(parse_override("novalue"), PropertiesError);
    REQUIRE_THROWS_AS(parse_override("=x"), PropertiesError);
  }
}

TEST_CASE("broker defaults are Kafka's (and Chronik's own)", "[config]") {
  BrokerConfig c;
  REQUIRE(c.node_id() == 1);
  auto ls = c.listeners();
  REQUIRE(ls.size() == 1);
  REQUIRE(ls[0].name == "PLAINTEXT");
  REQUIRE(ls[0].host == "127.0.0.1");
  REQUIRE(ls[0].port == 9092);
  REQUIRE(ls[0].security_protocol == "PLAINTEXT");
  REQUIRE(c.advertised_listeners()[0].port == 9092);
  REQUIRE(c.log_dirs() == std::vector<std::string>{"./chronik-data"});
  REQUIRE(c.get_int("num.partitions") == 1);
  REQUIRE(c.get_int("default.replication.factor") == 1);
  REQUIRE(c.get_bool("auto.create.topics.enable"));
  REQUIRE(c.get_bool("delete.topic.enable"));
  REQUIRE(c.get_int("message.max.bytes") == 1048588);
  REQUIRE(c.get_int("socket.request.max.bytes") == 104857600);
  REQUIRE(c.log_retention_ms() == 168LL * 3600 * 1000);
  REQUIRE(c.get_long("log.retention.bytes") == -1);
  REQUIRE(c.get_long("log.retention.check.interval.ms") == 300000);
  REQUIRE(c.get_long("log.flush.interval.messages") == INT64_MAX);
  REQUIRE_FALSE(c.get_string("log.flush.interval.ms"));
  REQUIRE(c.log_flush_interval_ms() == INT64_MAX);
  REQUIRE(c.get_long("connections.max.idle.ms") == 600000);
  REQUIRE(c.get_int("offsets.retention.minutes") == 10080);
  REQUIRE(c.get_int("group.initial.rebalance.delay.ms") == 3000);
  REQUIRE(c.get_int("group.min.session.timeout.ms") == 6000);
  REQUIRE(c.get_int("group.max.session.timeout.ms") == 1800000);
  REQUIRE(c.get_int("group.max.size") == INT32_MAX);
  REQUIRE(c.get_int("transactional.id.expiration.ms") == 604800000);
  REQUIRE(c.get_string("log.message.timestamp.type") == "CreateTime");
  REQUIRE(c.get_string("compression.type") == "producer");
  REQUIRE(c.get_list("log.cleanup.policy") == std::vector<std::string>{"delete"});
  REQUIRE(c.get_double("log.cleaner.min.cleanable.ratio") == 0.5);
  auto admin = c.admin_listeners();
  REQUIRE(admin.size() == 1);
  REQUIRE(admin[0].name == "http");
  REQUIRE(admin[0].port == 9644);
  REQUIRE_FALSE(c.get_string("admin.auth.token"));
  REQUIRE(c.source("num.partitions") == ConfigSource::kDefault);
  REQUIRE(c.warnings().empty());
  REQUIRE_THROWS_AS(c.get_long("no.such.key"), std::logic_error);
  REQUIRE_THROWS_AS(c.get_bool("num.partitions"), std::logic_error);
}

TEST_CASE("every table row's default parses and validates", "[config]") {
  for (const auto& k : broker_config_keys()) {
    INFO(k.name);
    REQUIRE_NOTHROW(default_value(k));
    REQUIRE_FALSE(k.doc.empty());
    if (!k.topic_config.empty()) REQUIRE(find_key(topic_config_keys(), k.topic_config) != nullptr);
  }
  for (const auto& k : topic_config_keys()) {
    INFO(k.name);
    REQUIRE_NOTHROW(default_value(k));
  }
  // Each topic default equals what the broker defaults give (as in Kafka).
  BrokerConfig c;
  for (const auto& k : topic_config_keys()) {
    INFO(k.name);
    REQUIRE(value_text(c.topic_value(k.name, {})) == value_text(default_value(k)));
  }
}

TEST_CASE("retention precedence: ms > minutes > hours", "[config]") {
  REQUIRE(from_text("log.retention.hours=1").log_retention_ms() == 3600000);
  REQUIRE(from_text("log.retention.hours=1\nlog.retention.minutes=2").log_retention_ms() == 120000);
  REQUIRE(from_text("log.retention.hours=1\nlog.retention.minutes=2\nlog.retention.ms=5").log_retention_ms() == 5);
  REQUIRE(from_text("log.retention.ms=-1").log_retention_ms() == -1);
  REQUIRE(from_text("log.retention.hours=-5").log_retention_ms() == -1);
  // The flush interval falls back to the scheduler interval.
  REQUIRE(from_text("log.flush.scheduler.interval.ms=700").log_flush_interval_ms() == 700);
  REQUIRE(from_text("log.flush.scheduler.interval.ms=700\nlog.flush.interval.ms=9").log_flush_interval_ms() == 9);
  // log.dirs wins over log.dir.
  REQUIRE(from_text("log.dir=/a").log_dirs() == std::vector<std::string>{"/a"});
  REQUIRE(from_text("log.dir=/a\nlog.dirs=/b, /c").log_dirs() == std::vector<std::string>{"/b", "/c"});
}

TEST_CASE("overrides win over the file; unknown keys are warnings", "[config]") {
  auto c = from_text(
      "node.id=4\n"
      "listeners=PLAINTEXT://:19092,SSL://[::1]:19093\n"
      "advertised.listeners=PLAINTEXT://broker.example:19092\n"
      "process.roles=broker,controller\n"
      "auto.create.topics.enable=FALSE\n",
      {"node.id=7", "log.retention.ms=1000", "made.up=1"});
  REQUIRE(c.node_id() == 7);
  REQUIRE(c.source("node.id") == ConfigSource::kStaticBroker);
  REQUIRE_FALSE(c.get_bool("auto.create.topics.enable"));
  REQUIRE(c.log_retention_ms() == 1000);
  auto ls = c.listeners();
  REQUIRE(ls.size() == 2);
  REQUIRE(ls[0].host.empty());
  REQUIRE(ls[0].port == 19092);
  REQUIRE(ls[1].host == "::1");
  REQUIRE(ls[1].security_protocol == "SSL");
  REQUIRE(c.advertised_listeners().size() == 1);
  REQUIRE(c.advertised_listeners()[0].host == "broker.example");
  REQUIRE(c.warnings().size() == 2);
  REQUIRE_THAT(c.warnings()[0], Catch::Contains("process.roles") && Catch::Contains("line 4"));
  REQUIRE_THAT(c.warnings()[1], Catch::Contains("made.up") && Catch::Contains("--override"));
}

TEST_CASE("invalid values name the key and the value", "[config]") {
  auto error_of = [](const std::string& text) {
    try {
      from_text(text);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  REQUIRE(error_of("num.partitions=abc") ==
          "Invalid value abc for configuration num.partitions: Not a number of type INT");
  REQUIRE(error_of("num.partitions=0") ==
          "Invalid value 0 for configuration num.partitions: Value must be at least 1");
  REQUIRE(error_of("num.partitions=99999999999") ==
          "Invalid value 99999999999 for configuration num.partitions: Not a number of type INT");
  REQUIRE_THAT(error_of("auto.create.topics.enable=yes"), Catch::Contains("auto.create.topics.enable") &&
                                                              Catch::Contains("either true or false"));
  REQUIRE_THAT(error_of("compression.type=brotli"),
               Catch::Contains("brotli") && Catch::Contains("String must be one of: uncompressed"));
  REQUIRE_THAT(error_of("log.cleanup.policy=delete,shred"), Catch::Contains("log.cleanup.policy"));
  REQUIRE_THAT(error_of("log.cleaner.min.cleanable.ratio=1.5"), Catch::Contains("Value must be no more than 1"));
  REQUIRE_THAT(error_of("listeners=localhost:9092"), Catch::Contains("listeners") && Catch::Contains("NAME://"));
  REQUIRE_THAT(error_of("listeners=PLAINTEXT://h:99999"), Catch::Contains("invalid port"));
  REQUIRE_THAT(error_of("listeners=PLAINTEXT://h:1,PLAINTEXT://h:2"),
               Catch::Contains("Each listener must have a different name"));
  // Kafka's port rule: one port per listener, but port 0 repeats, and one IPv4 and one IPv6
  // address may share one.
  REQUIRE_THAT(error_of("listeners=PLAINTEXT://h:1,SSL://h:1"), Catch::Contains("Each listener must have a different port"));
  REQUIRE(error_of("listeners=PLAINTEXT://:0,SSL://:0") == "no error");
  REQUIRE(error_of("listeners=PLAINTEXT://127.0.0.1:9092,SSL://[::1]:9092") == "no error");
  REQUIRE_THAT(error_of("listeners=PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.2:9092"),
               Catch::Contains("different port"));
  REQUIRE_THAT(error_of("listeners=A://h:1\nlistener.security.protocol.map=A:KERBEROS"),
               Catch::Contains("No enum constant for security protocol KERBEROS"));
  REQUIRE_THAT(error_of("listeners=FOO://h:1"), Catch::Contains("no security protocol for listener FOO"));
  REQUIRE_THAT(error_of("advertised.listeners=SSL://h:1"), Catch::Contains("not in listeners"));
  REQUIRE_THAT(error_of("advertised.listeners=PLAINTEXT://0.0.0.0:1"), Catch::Contains("meta-address"));
  REQUIRE_THAT(error_of("admin.listeners=ftp://h:1"), Catch::Contains("http or https"));
  REQUIRE_THAT(error_of("group.min.session.timeout.ms=9999999"), Catch::Contains("group.max.session.timeout.ms"));
  REQUIRE_THAT(error_of("offsets.topic.replication.factor=40000"), Catch::Contains("SHORT"));
  // Values are trimmed; numbers may carry '+'.
  REQUIRE(from_text("num.partitions =  +3  ").get_int("num.partitions") == 3);
  // A sensitive value is not echoed.
  REQUIRE(from_text("admin.auth.token=s3cret").get_string("admin.auth.token") == "s3cret");
}

TEST_CASE("load reads a file and overrides", "[config]") {
  auto path = std::filesystem::temp_directory_path() / "chronik-config-test.properties";
  {
    std::ofstream out(path);
    out << "node.id=3\nlog.dirs=/data/a,/data/b\n";
  }
  auto c = BrokerConfig::load(path.string(), {"node.id=9"});
  std::filesystem::remove(path);
  REQUIRE(c.node_id() == 9);
  REQUIRE(c.log_dirs().size() == 2);
  REQUIRE_THROWS_AS(BrokerConfig::load(std::string("/nonexistent/x.properties")), PropertiesError);
  // A directory reads as an empty stream; it must not start the broker on defaults.
  REQUIRE_THROWS_WITH(BrokerConfig::load(std::filesystem::temp_directory_path().string()),
                      Catch::Contains("is a directory"));
}

TEST_CASE("config provider placeholders: env, file and dir", "[config]") {
  const auto dir = std::filesystem::temp_directory_path() / ("chronik-providers-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "secrets.properties") << "admin.token=from-file\nother=x\nadmin.token=later-wins\n";
    std::ofstream(dir / "token") << "from-dir\n";  // as `echo token > file` writes it
  }
  ::setenv("CHRONIK_TEST_TOKEN", "from-env", 1);
  auto token = [](const BrokerConfig& c) { return c.get_string("admin.auth.token").value_or("<null>"); };

  REQUIRE(token(from_text("", {"admin.auth.token=${env:CHRONIK_TEST_TOKEN}"})) == "from-env");
  REQUIRE(token(from_text("", {"admin.auth.token=${env::CHRONIK_TEST_TOKEN}"})) == "from-env");
  REQUIRE(token(from_text("admin.auth.token=${file:" + (dir / "secrets.properties").string() + ":admin.token}\n")) ==
          "later-wins");
  REQUIRE(token(from_text("", {"admin.auth.token=${dir:" + dir.string() + ":token}"})) == "from-dir");
  // Inside other text, several in one value; text that only looks similar stays.
  REQUIRE(from_text("", {"broker.rack=a-${env:CHRONIK_TEST_TOKEN}-${env:CHRONIK_TEST_TOKEN}"})
              .get_string("broker.rack") == "a-from-env-from-env");
  REQUIRE(from_text("", {"broker.rack=${plain} $x {y}"}).get_string("broker.rack") == "${plain} $x {y}");

  // What cannot be resolved is an error naming the key and the placeholder, never kept as text.
  ::unsetenv("CHRONIK_NO_SUCH_VAR");
  auto error = [&](const std::string& override_arg) {
    try {
      from_text("", {override_arg});
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto e = error("admin.auth.token=${env:CHRONIK_NO_SUCH_VAR}");
  REQUIRE(e.find("admin.auth.token") != std::string::npos);
  REQUIRE(e.find("CHRONIK_NO_SUCH_VAR is not set") != std::string::npos);
  REQUIRE(error("admin.auth.token=${file:" + (dir / "secrets.properties").string() + ":missing}")
              .find("no key missing") != std::string::npos);
  REQUIRE(error("admin.auth.token=${file:/nonexistent/x.properties:k}").find("cannot read") != std::string::npos);
  REQUIRE(error("admin.auth.token=${dir:" + dir.string() + ":../token}").find("not a file name") != std::string::npos);
  REQUIRE(error("admin.auth.token=${vault:secret/x:token}").find("unknown config provider 'vault'") !=
          std::string::npos);
  // A resolved value is validated like any other.
  ::setenv("CHRONIK_TEST_NODE", "not-a-number", 1);
  REQUIRE(error("node.id=${env:CHRONIK_TEST_NODE}").find("Not a number") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("dynamic layers and DescribeConfigs of the broker", "[config]") {
  auto c = from_text("log.retention.hours=24\nmessage.max.bytes=2000\nadmin.auth.token=tok\n");
  auto d = c.with_dynamic("log.retention.ms", "5000", false);
  REQUIRE(d.log_retention_ms() == 5000);
  REQUIRE(c.log_retention_ms() == 24 * 3600000LL);  // the original is unchanged
  auto e = d.with_dynamic("log.retention.ms", "6000", true);
  REQUIRE(e.log_retention_ms() == 6000);
  REQUIRE(e.source("log.retention.ms") == ConfigSource::kDynamicBroker);
  REQUIRE(e.with_dynamic("log.retention.ms", std::nullopt, true).log_retention_ms() == 5000);
  REQUIRE_THROWS_AS(c.with_dynamic("node.id", "2", true), ConfigError);
  REQUIRE_THROWS_AS(c.with_dynamic("nope", "2", true), ConfigError);
  REQUIRE_THROWS_AS(c.with_dynamic("message.max.bytes", "-5", true), ConfigError);

  auto all = e.describe();
  size_t listed = 0;
  for (const auto& k : broker_config_keys()) listed += k.listed_when_default ? 1 : 0;
  REQUIRE(all.size() == listed);
  const auto& ms = entry(all, "log.retention.ms");
  REQUIRE(ms.value == "6000");
  REQUIRE(ms.source == ConfigSource::kDynamicBroker);
  REQUIRE_FALSE(ms.read_only);
  REQUIRE(ms.type == ConfigType::kLong);
  REQUIRE(ms.synonyms.size() == 4);
  REQUIRE(ms.synonyms[0].source == ConfigSource::kDynamicBroker);
  REQUIRE(ms.synonyms[1].source == ConfigSource::kDynamicDefaultBroker);
  REQUIRE(ms.synonyms[2].name == "log.retention.hours");
  REQUIRE(ms.synonyms[2].source == ConfigSource::kStaticBroker);
  REQUIRE(ms.synonyms[3].name == "log.retention.hours");
  REQUIRE(ms.synonyms[3].source == ConfigSource::kDefault);
  const auto& hours = entry(all, "log.retention.hours");
  REQUIRE(hours.value == "24");
  REQUIRE(hours.read_only);
  REQUIRE(hours.synonyms.front().name == "log.retention.hours");
  const auto& minutes = entry(all, "log.retention.minutes");
  REQUIRE_FALSE(minutes.value);
  const auto& token = entry(all, "admin.auth.token");
  REQUIRE(token.sensitive);
  REQUIRE_FALSE(token.value);
  REQUIRE_FALSE(token.synonyms.at(0).value);
  REQUIRE(entry(all, "num.partitions").source == ConfigSource::kDefault);
  REQUIRE(entry(all, "num.partitions").synonyms.size() == 1);
}

TEST_CASE("replication quotas are dynamic and described only once set, as on Kafka", "[config]") {
  auto c = from_text("");
  auto listed = [](const BrokerConfig& cfg, std::string_view name) {
    for (const auto& e : cfg.describe())
      if (e.name == name) return true;
    return false;
  };
  for (const char* name : {"leader.replication.throttled.rate", "follower.replication.throttled.rate",
                           "replica.alter.log.dirs.io.max.bytes.per.second"}) {
    INFO(name);
    REQUIRE_FALSE(listed(c, name));
    auto set = c.with_dynamic(name, "1000", true);
    REQUIRE(listed(set, name));
    REQUIRE(set.source(name) == ConfigSource::kDynamicBroker);
    REQUIRE_FALSE(listed(set.with_dynamic(name, std::nullopt, true), name));
    REQUIRE_THROWS_AS(c.with_dynamic(name, "-1", true), ConfigError);
  }
}

TEST_CASE("topic configs: validation, inheritance, DescribeConfigs", "[config]") {
  REQUIRE_NOTHROW(validate_topic_configs({{"retention.ms", "1000"}, {"cleanup.policy", "compact,delete"}}));
  REQUIRE_THROWS_WITH(validate_topic_configs({{"retention.msec", "1"}}),
                      "Unknown topic config name: retention.msec");
  REQUIRE_THROWS_WITH(validate_topic_configs({{"retention.ms", "-2"}}),
                      "Invalid value -2 for configuration retention.ms: Value must be at least -1");
  REQUIRE_THROWS_AS(validate_topic_configs({{"max.message.bytes", "x"}}), ConfigError);
  REQUIRE_THROWS_AS(validate_topic_configs({{"message.timestamp.type", "createtime"}}), ConfigError);
  REQUIRE_THROWS_AS(validate_topic_configs({{"min.insync.replicas", "0"}}), ConfigError);
  REQUIRE_THROWS_AS(validate_topic_configs({{"segment.bytes", "13"}}), ConfigError);

  auto c = from_text("log.retention.minutes=10\nmessage.max.bytes=5000\ncompression.type=zstd\n");
  REQUIRE(c.topic_long("retention.ms", {}) == 600000);
  REQUIRE(c.topic_long("retention.ms", {{"retention.ms", "42"}}) == 42);
  REQUIRE(c.topic_long("max.message.bytes", {}) == 5000);
  REQUIRE(c.topic_string("compression.type", {}) == "zstd");
  REQUIRE(c.topic_string("cleanup.policy", {}) == "delete");
  REQUIRE(c.topic_long("segment.ms", {}) == 168 * 3600000LL);

  auto entries = c.describe_topic({{"retention.bytes", "100"}});
  REQUIRE(entries.size() == topic_config_keys().size());
  const auto& rb = entry(entries, "retention.bytes");
  REQUIRE(rb.value == "100");
  REQUIRE(rb.source == ConfigSource::kDynamicTopic);
  REQUIRE(rb.synonyms.at(0).source == ConfigSource::kDynamicTopic);
  REQUIRE(rb.synonyms.at(1).name == "log.retention.bytes");
  // Kafka lists broker synonyms from the primary one (log.retention.ms) on: set through
  // log.retention.minutes, retention.ms has the value but no synonym and DEFAULT_CONFIG.
  const auto& rm = entry(entries, "retention.ms");
  REQUIRE(rm.value == "600000");
  REQUIRE(rm.source == ConfigSource::kDefault);
  REQUIRE(rm.synonyms.empty());
  auto with_ms = from_text("log.retention.ms=5000\n").describe_topic({});
  const auto& rms = entry(with_ms, "retention.ms");
  REQUIRE(rms.source == ConfigSource::kStaticBroker);
  REQUIRE(rms.synonyms.size() == 2);
  REQUIRE(rms.synonyms.at(0).name == "log.retention.ms");
  REQUIRE(rms.synonyms.at(0).value == "5000");
  REQUIRE(rms.synonyms.back().name == "log.retention.hours");
  REQUIRE(rms.synonyms.back().source == ConfigSource::kDefault);
  const auto& roll = entry(entries, "segment.ms");  // log.roll.ms has no default either
  REQUIRE(roll.synonyms.empty());
  const auto& policy = entry(entries, "cleanup.policy");  // log.cleanup.policy's default is listed
  REQUIRE(policy.synonyms.size() == 1);
  REQUIRE(policy.synonyms.at(0).name == "log.cleanup.policy");
  const auto& mmb = entry(entries, "max.message.bytes");
  REQUIRE(mmb.value == "5000");
  REQUIRE(mmb.synonyms.at(0).name == "message.max.bytes");
  const auto& mtdm = entry(entries, "message.timestamp.difference.max.ms");
  REQUIRE(mtdm.source == ConfigSource::kDefault);
  const auto& ratio = entry(entries, "min.cleanable.dirty.ratio");
  REQUIRE(ratio.value == "0.5");
}

TEST_CASE("every topic config of Kafka 3.9 and 4.4 is known, with Kafka's checks", "[config]") {
  // TopicConfig and LogConfig of Kafka 3.9.1 (36 names), then those Kafka 4.4 added.
  const std::vector<std::string> kafka39 = {
      "cleanup.policy", "compression.gzip.level", "compression.lz4.level", "compression.type",
      "compression.zstd.level", "delete.retention.ms", "file.delete.delay.ms", "flush.messages", "flush.ms",
      "follower.replication.throttled.replicas", "index.interval.bytes", "leader.replication.throttled.replicas",
      "local.retention.bytes", "local.retention.ms", "max.compaction.lag.ms", "max.message.bytes",
      "message.downconversion.enable", "message.format.version", "message.timestamp.after.max.ms",
      "message.timestamp.before.max.ms", "message.timestamp.difference.max.ms", "message.timestamp.type",
      "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas", "preallocate",
      "remote.log.copy.disable", "remote.log.delete.on.disable", "remote.storage.enable", "retention.bytes",
      "retention.ms", "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms",
      "unclean.leader.election.enable"};
  REQUIRE(kafka39.size() == 36);
  const std::vector<std::string> kafka44 = {"remote.copy.lag.ms", "remote.copy.lag.bytes",
                                            "max.decompressed.message.bytes", "errors.deadletterqueue.group.enable"};
  for (const auto& name : kafka39) CHECK(find_key(topic_config_keys(), name) != nullptr);
  for (const auto& name : kafka44) CHECK(find_key(topic_config_keys(), name) != nullptr);
  CHECK(topic_config_keys().size() == kafka39.size() + kafka44.size());

  const BrokerConfig c;
  auto entries = c.describe_topic({});
  CHECK(entry(entries, "compression.gzip.level").value == "-1");
  CHECK(entry(entries, "compression.lz4.level").value == "9");
  CHECK(entry(entries, "compression.zstd.level").value == "3");
  CHECK(entry(entries, "local.retention.ms").value == "-2");
  CHECK(entry(entries, "message.format.version").value == "3.0-IV1");
  CHECK(entry(entries, "leader.replication.throttled.replicas").value == "");
  CHECK(entry(entries, "leader.replication.throttled.replicas").synonyms.empty());
  CHECK(entry(entries, "remote.storage.enable").value == "false");
  const auto& zstd = entry(entries, "compression.zstd.level");
  REQUIRE(zstd.synonyms.size() == 1);
  CHECK(zstd.synonyms[0].name == "compression.zstd.level");
  CHECK(zstd.synonyms[0].source == ConfigSource::kDefault);
  CHECK(entry(entries, "local.retention.bytes").synonyms.at(0).name == "log.local.retention.bytes");
  CHECK(entry(entries, "message.format.version").synonyms.at(0).name == "log.message.format.version");

  // A broker-wide default flows into topics, as Kafka's synonyms do.
  auto b = from_text("compression.lz4.level=4\n");
  CHECK(b.topic_long("compression.lz4.level", {}) == 4);
  CHECK(b.topic_long("compression.lz4.level", {{"compression.lz4.level", "12"}}) == 12);

  // Kafka 3.9.1's words for each refusal.
  auto refused = [](const std::string& name, const std::string& value) {
    try {
      validate_topic_configs({{name, value}});
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(refused("compression.gzip.level", "0") ==
        "Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1");
  CHECK(refused("compression.gzip.level", "-1") == "accepted");
  CHECK(refused("compression.gzip.level", "9") == "accepted");
  CHECK(refused("compression.lz4.level", "18") ==
        "Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17");
  CHECK(refused("compression.zstd.level", "-131073") ==
        "Invalid value -131073 for configuration compression.zstd.level: Value must be at least -131072");
  CHECK(refused("compression.zstd.level", "-5") == "accepted");
  CHECK(refused("message.format.version", "foo") ==
        "Invalid value foo for configuration message.format.version: Version foo is not a valid version");
  for (const char* ok : {"0.10.0", "0.10.0.1", "2.8", "3.0.5", "3.4-IV0", "3.9-IV0", "0.8.0"})
    CHECK(refused("message.format.version", ok) == "accepted");
  for (const char* bad : {"4.0", "3.9-IV1", "0.10", "3", "2.8-IV5", ""})
    CHECK(refused("message.format.version", bad) != "accepted");
  CHECK(refused("local.retention.ms", "-3") ==
        "Invalid value -3 for configuration local.retention.ms: Value must be at least -2");
  CHECK(refused("remote.storage.enable", "true") ==
        "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log "
        "storage.");
  CHECK(refused("remote.storage.enable", "false") == "accepted");
  CHECK(refused("remote.log.copy.disable", "true") == "accepted");
  CHECK(refused("leader.replication.throttled.replicas", "*,0:1") ==
        "Invalid value [*, 0:1] for configuration leader.replication.throttled.replicas: "
        "leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following "
        "format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
  CHECK(refused("follower.replication.throttled.replicas", "0:a") ==
        "Invalid value [0:a] for configuration follower.replication.throttled.replicas: "
        "follower.replication.throttled.replicas must be the literal '*' or a list of replicas in the following "
        "format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
  for (const char* ok : {"*", "0:1,1:2", " 0:1 , 1:1", "0:1,", ""})
    CHECK(refused("leader.replication.throttled.replicas", ok) == "accepted");
}

TEST_CASE("named loggers follow root until given a level of their own", "[config]") {
  const auto level_of = [](const std::string& name) {
    for (const auto& [n, l] : logger_levels())
      if (n == name) return l;
    return std::string("<none>");
  };
  const std::string root_before = level_of("root");
  CHECK(logger_levels().front().first == "root");
  CHECK(logger_exists("chronik.net"));
  CHECK_FALSE(logger_exists("kafka.server.KafkaApis"));
  CHECK(logger_level_refusal("chronik.net", "debug") ==
        "Cannot set the log level of chronik.net to debug as it is not a supported log level. Valid log levels "
        "are DEBUG, ERROR, FATAL, INFO, TRACE, WARN");
  set_logger_level("chronik.net", "DEBUG");
  CHECK(named_logger("chronik.net").level() == spdlog::level::debug);
  set_logger_level("root", "ERROR");
  CHECK(level_of("chronik.net") == "DEBUG");   // its own level stays
  CHECK(level_of("chronik.log") == "ERROR");   // followers move with root
  CHECK(spdlog::default_logger()->level() == spdlog::level::err);
  unset_logger_level("chronik.net");
  CHECK(level_of("chronik.net") == "ERROR");
  set_logger_level("root", "FATAL");
  CHECK(named_logger("chronik.net").level() == spdlog::level::critical);
  set_logger_level("root", root_before);
}

TEST_CASE("listener.name.<listener>. prefixes override security keys for that listener", "[config]") {
  auto c = from_text(
      "listeners=PLAINTEXT://h:1,SASL_PLAINTEXT://h:2,INTERNAL://h:3\n"
      "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT\n"
      "sasl.enabled.mechanisms=PLAIN\n"
      "listener.name.internal.sasl.enabled.mechanisms=SCRAM-SHA-512\n"
      "listener.name.SASL_PLAINTEXT.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
      "required user_a=\"pw\";\n"
      "listener.name.internal.ssl.client.auth=required\n");
  REQUIRE(c.warnings().empty());
  REQUIRE(c.listener_list("SASL_PLAINTEXT", "sasl.enabled.mechanisms") == std::vector<std::string>{"PLAIN"});
  REQUIRE(c.listener_list("INTERNAL", "sasl.enabled.mechanisms") == std::vector<std::string>{"SCRAM-SHA-512"});
  REQUIRE(c.listener_string("INTERNAL", "ssl.client.auth") == "required");
  REQUIRE(c.listener_string("SASL_PLAINTEXT", "ssl.client.auth") == "none");
  REQUIRE(c.jaas_config("SASL_PLAINTEXT", "PLAIN").value_or("").find("user_a") != std::string::npos);
  REQUIRE(!c.jaas_config("INTERNAL", "PLAIN"));
  // A prefixed key is validated as its broker key, and a secret is never echoed.
  try {
    from_text("listener.name.x.ssl.client.auth=sometimes");
    FAIL("accepted");
  } catch (const ConfigError& e) {
    REQUIRE_THAT(std::string(e.what()), Catch::Contains("listener.name.x.ssl.client.auth"));
  }
  REQUIRE(from_text("listener.name.x.no.such.key=1").warnings().size() == 1);
}

TEST_CASE("a listener's key store changes per broker and with the listener prefix only (KIP-226)", "[config]") {
  auto c = from_text("listeners=PLAINTEXT://h:1,SSL://h:2\nssl.keystore.type=PEM\n"
                     "listener.name.ssl.ssl.keystore.location=/etc/a.pem\n");
  auto message = [&](std::string_view name, bool per_broker) {
    try {
      c.with_dynamic(name, "/etc/b.pem", per_broker);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  // Kafka's refusals, word for word.
  REQUIRE(message("listener.name.ssl.ssl.keystore.location", false) ==
          "Cannot update these configs at default cluster level, broker id must be specified: "
          "[listener.name.ssl.ssl.keystore.location]");
  REQUIRE(message("ssl.keystore.location", true) ==
          "These security configs can be dynamically updated only per-listener using the listener prefix: "
          "[ssl.keystore.location]");
  REQUIRE(message("ssl.truststore.certificates", true).find("only per-listener") != std::string::npos);

  // The listener's name is matched without case; the dynamic value wins over the static one,
  // and removing it brings the static one back.
  auto d = c.with_dynamic("listener.name.SSL.ssl.keystore.location", "/etc/b.pem", true);
  REQUIRE(d.listener_string("SSL", "ssl.keystore.location") == "/etc/b.pem");
  REQUIRE(d.listener_string("PLAINTEXT", "ssl.keystore.location") == std::nullopt);
  REQUIRE(BrokerConfig::reconfigured_tls_listener("listener.name.SSL.ssl.keystore.location") == "ssl");
  REQUIRE(BrokerConfig::reconfigured_tls_listener("listener.name.ssl.ssl.client.auth") == std::nullopt);
  REQUIRE(BrokerConfig::reconfigured_tls_listener("ssl.keystore.location") == std::nullopt);
  const auto described = d.describe();
  const auto& e = entry(described, "listener.name.ssl.ssl.keystore.location");
  REQUIRE(e.value == "/etc/b.pem");
  REQUIRE(e.source == ConfigSource::kDynamicBroker);
  REQUIRE(e.read_only);  // as Kafka lists it
  REQUIRE(d.with_dynamic("listener.name.ssl.ssl.keystore.location", std::nullopt, true)
              .listener_string("SSL", "ssl.keystore.location") == "/etc/a.pem");
  // A secret set this way is described without its value.
  const auto k = d.with_dynamic("listener.name.ssl.ssl.key.password", "pw", true).describe();
  REQUIRE(entry(k, "listener.name.ssl.ssl.key.password").sensitive);
  REQUIRE(entry(k, "listener.name.ssl.ssl.key.password").value == std::nullopt);
  REQUIRE(BrokerConfig::sensitive("listener.name.ssl.ssl.key.password"));
  REQUIRE_FALSE(BrokerConfig::sensitive("listener.name.ssl.ssl.keystore.location"));
}

TEST_CASE("JAAS lines read as Kafka's JaasConfig reads them", "[config]") {
  const auto m = parse_jaas_config(
      "k", "org.apache.kafka.common.security.plain.PlainLoginModule required\n  username=\"admin\" "
           "user_admin=\"a=b;c\" user_bob='x y';");
  REQUIRE(m.login_module == "org.apache.kafka.common.security.plain.PlainLoginModule");
  REQUIRE(m.control_flag == "required");
  REQUIRE(m.options == std::map<std::string, std::string>{{"username", "admin"}, {"user_admin", "a=b;c"}, {"user_bob", "x y"}});
  for (const char* bad : {"", "Module", "Module mandatory;", "Module required user_a=\"pw\"",
                          "Module required user_a=\"pw\"; Other required;", "Module required user_a;"}) {
    try {
      parse_jaas_config("k", bad);
      FAIL(bad);
    } catch (const ConfigError& e) {
      REQUIRE_THAT(std::string(e.what()), !Catch::Contains("pw"));
    }
  }
}
