"""Chronik's generator: Kafka message specs (JSON) -> versioned C++ structs."""
