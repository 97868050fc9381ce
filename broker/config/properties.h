// Java Properties text (server.properties), as java.util.Properties.load reads it.
//
// - Natural lines end with \n, \r or \r\n. Leading blanks (space, \t, \f) are skipped.
// - A line whose first non-blank character is # or ! is a comment; blank lines are skipped.
// - A line ending in an odd number of backslashes continues on the next line, whose
//   leading blanks are dropped (comments never continue).
// - The key runs to the first unescaped '=', ':' or blank; blanks around the separator
//   and one '=' or ':' are skipped; the rest of the line is the value, trailing blanks kept.
// - Escapes in keys and values: \t \n \r \f, \uXXXX (UTF-16, surrogate pairs combine, the
//   result is UTF-8), and \c for any other c means c itself.
// Deviation: Java reads the bytes as ISO-8859-1; we keep bytes as they are (UTF-8).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chronik::config {

class PropertiesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Property {
  std::string key;
  std::string value;
  int line = 0;  // 1-based line where the entry starts
};

// Entries in file order (a later duplicate key overrides an earlier one when applied).
// Throws PropertiesError on a malformed \u escape.
std::vector<Property> parse_properties(std::string_view text);

// Reads and parses a file. Throws PropertiesError (unreadable file, malformed escape).
std::vector<Property> load_properties_file(const std::string& path);

// Splits a `--override key=value` argument at the first '='. Throws PropertiesError when
// there is no '=' or the key is empty.
Property parse_override(std::string_view arg);

}  // namespace chronik::config
