// Request bodies are checked against the request schemas of openapi.json, the document the
// endpoint serves at /v1/openapi.json, before a handler reads them: the documentation and the
// validation are one text and cannot drift. The subset of JSON Schema the document uses is
// understood: type (null included), required, properties, additionalProperties, enum, minimum, maximum,
// items, oneOf and $ref to components/schemas.
#pragma once

#include <string>
#include <string_view>

#include "broker/admin/http.h"

namespace chronik::broker::admin {

// Throws HttpError(400, ..., field) when `body` does not match the request body schema that
// openapi.json gives for `method` on the route `pattern` ("/v1/topics/{topic}/configs");
// nothing for routes without one. The field is the path to the value at fault
// ("configs.retention.ms", "delete[1]"), or "body".
void check_body(std::string_view method, const std::string& pattern, const Json& body);

// Same, against an explicit OpenAPI document (tests).
void check_body(const Json& openapi, std::string_view method, const std::string& pattern, const Json& body);

}  // namespace chronik::broker::admin
