#include "skill/ssml.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace feel::skill {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026
constexpr std::int64_t kMaxBreakMs = 10'000;

// One step of UTF-8 decoding. On an invalid sequence, `length` is its maximal subpart (the
// bytes that could still have begun a valid sequence), so replacement follows the Unicode
// recommendation of one U+FFFD per maximal subpart.
struct Utf8Step {
  std::size_t length;
  std::uint32_t code_point;
  bool valid;
};

[[nodiscard]] Utf8Step decode_utf8(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {1, b0, true};
  std::size_t need = 0;
  std::uint32_t cp = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0Fu;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07u;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return {1, 0xFFFD, false};  // continuation byte, C0, C1 or F5..FF
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) return {k, 0xFFFD, false};
    const auto b = static_cast<unsigned char>(s[i + k]);
    const unsigned char min = k == 1 ? lo : 0x80;
    const unsigned char max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) return {k, 0xFFFD, false};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return {need + 1, cp, true};
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The Char production of XML 1.0.
[[nodiscard]] constexpr bool is_xml_char(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

[[nodiscard]] constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

[[nodiscard]] constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

[[nodiscard]] constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Entity {
  std::size_t length;  // including '&' and ';'
  std::uint32_t code_point;
};

// The entity or character reference starting at s[i] == '&', if it is one XML accepts.
[[nodiscard]] std::optional<Entity> parse_entity(std::string_view s, std::size_t i) {
  const std::string_view rest = s.substr(i + 1);
  static constexpr std::array<std::pair<std::string_view, char>, 5> kNamed{
      {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}}};
  for (const auto& [name, value] : kNamed) {
    if (rest.starts_with(name)) return Entity{name.size() + 1, static_cast<unsigned char>(value)};
  }
  if (rest.empty() || rest[0] != '#') return std::nullopt;
  const bool hex = rest.size() > 1 && rest[1] == 'x';  // XML allows only a lower-case x
  std::size_t pos = hex ? 2 : 1;
  const std::size_t first_digit = pos;
  std::uint32_t value = 0;
  // Eight digits hold every code point even with leading zeros, and cannot overflow.
  while (pos < rest.size() && pos - first_digit < 8) {
    const int digit = hex ? hex_value(rest[pos]) : (is_digit(rest[pos]) ? rest[pos] - '0' : -1);
    if (digit < 0) break;
    value = value * (hex ? 16u : 10u) + static_cast<std::uint32_t>(digit);
    ++pos;
  }
  if (pos == first_digit || pos >= rest.size() || rest[pos] != ';') return std::nullopt;
  if (!is_xml_char(value)) return std::nullopt;
  return Entity{pos + 2, value};
}

// Text that can be copied into SSML as it is: the common case, checked without allocating.
[[nodiscard]] bool is_clean_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7F || b == '<' || b == '>' || b == '&' || b == '"' || b == '\'') {
        return false;
      }
      ++i;
      continue;
    }
    const Utf8Step step = decode_utf8(text, i);
    if (!step.valid || step.code_point <= 0x9F || !is_xml_char(step.code_point)) return false;
    i += step.length;
  }
  return true;
}

void append_escaped(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x80) {
      const Utf8Step step = decode_utf8(text, i);
      if (!step.valid || !is_xml_char(step.code_point)) {
        out += kReplacement;
      } else if (step.code_point > 0x9F) {  // C1 controls are dropped like C0 ones
        out.append(text.substr(i, step.length));
      }
      i += step.length;
      continue;
    }
    switch (c) {
      case '&':
        if (const auto entity = parse_entity(text, i)) {
          out.append(text.substr(i, entity->length));
          i += entity->length;
          continue;
        }
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\t':
      case '\n':
      case '\r':  // a line break is a word break when spoken
        out.push_back(' ');
        break;
      default:
        if (b >= 0x20 && b != 0x7F) out.push_back(c);
        break;
    }
    ++i;
  }
}

void append_break(std::string& out, std::int64_t ms) {
  out += "<break time=\"";
  if (ms % 1000 == 0) {
    out += std::to_string(ms / 1000);
    out += "s\"/>";
  } else {
    out += std::to_string(ms);
    out += "ms\"/>";
  }
}

// ---- A lenient tokenizer, shared by plain-text extraction and shortening ----

enum class Kind { kText, kOpen, kClose, kEmpty, kOther };

struct Token {
  Kind kind;
  std::string_view src;
  std::string_view name;  // element name for tags
  std::size_t sentence = 0;
};

[[nodiscard]] constexpr bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

[[nodiscard]] constexpr bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c) || c == '-' || c == '.';
}

// The end (one past '>') of the tag starting at s[i] == '<', skipping quoted attribute
// values; npos when the tag never closes.
[[nodiscard]] std::size_t tag_end(std::string_view s, std::size_t i) {
  char quote = 0;
  for (std::size_t j = i + 1; j < s.size(); ++j) {
    const char c = s[j];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return j + 1;
    }
  }
  return std::string_view::npos;
}

[[nodiscard]] std::string_view read_name(std::string_view s, std::size_t i) {
  std::size_t j = i;
  while (j < s.size() && is_name_char(s[j])) ++j;
  return s.substr(i, j - i);
}

[[nodiscard]] Token classify_tag(std::string_view tag) {
  if (tag.size() >= 2 && (tag[1] == '!' || tag[1] == '?')) return {Kind::kOther, tag, {}};
  if (tag.size() >= 2 && tag[1] == '/') return {Kind::kClose, tag, read_name(tag, 2)};
  const Kind kind = tag.size() >= 2 && tag[tag.size() - 2] == '/' ? Kind::kEmpty : Kind::kOpen;
  return {kind, tag, read_name(tag, 1)};
}

[[nodiscard]] std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '<') {
      const std::size_t end = tag_end(s, i);
      if (end != std::string_view::npos) {
        tokens.push_back(classify_tag(s.substr(i, end - i)));
        i = end;
        continue;
      }
    }
    // Text runs to the next '<' (a '<' that never closes is kept as text).
    std::size_t next = s.find('<', i + 1);
    if (next == std::string_view::npos) next = s.size();
    tokens.push_back({Kind::kText, s.substr(i, next - i), {}});
    i = next;
  }
  return tokens;
}

// Splits text tokens at sentence ends (. ! or ? followed by white space, a tag or the end)
// and numbers every token with the sentence it belongs to.
[[nodiscard]] std::vector<Token> split_sentences(const std::vector<Token>& tokens) {
  std::vector<Token> out;
  out.reserve(tokens.size() * 2);
  std::size_t sentence = 0;
  for (const Token& token : tokens) {
    if (token.kind != Kind::kText) {
      out.push_back(token);
      out.back().sentence = sentence;
      continue;
    }
    const std::string_view text = token.src;
    std::size_t start = 0;
    for (std::size_t p = 0; p < text.size(); ++p) {
      const char c = text[p];
      if (c != '.' && c != '!' && c != '?') continue;
      if (p + 1 < text.size() && !is_space(text[p + 1])) continue;
      out.push_back({Kind::kText, text.substr(start, p + 1 - start), {}, sentence});
      ++sentence;
      start = p + 1;
    }
    if (start < text.size()) out.push_back({Kind::kText, text.substr(start), {}, sentence});
  }
  return out;
}

[[nodiscard]] bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_space);
}

// Elements that say nothing when empty, so an empty pair left by removed sentences can go.
[[nodiscard]] bool is_removable_when_empty(std::string_view name) {
  static constexpr std::array<std::string_view, 13> kNames{
      "p",    "s",     "prosody",       "emphasis",       "say-as",        "sub", "phoneme",
      "lang", "voice", "amazon:effect", "amazon:emotion", "amazon:domain", "w"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

// Re-assembles kept tokens into well-formed SSML: unmatched closing tags are dropped, empty
// removable elements vanish, and elements still open at the end are closed.
class Assembler {
 public:
  void add(const Token& token) {
    switch (token.kind) {
      case Kind::kOpen:
        open_.push_back(pieces_.size());
        pieces_.push_back({token.src, token.name, Kind::kOpen});
        break;
      case Kind::kClose:
        close(token.name, token.src);
        break;
      case Kind::kText:
      case Kind::kEmpty:
        pieces_.push_back({token.src, token.name, token.kind});
        break;
      case Kind::kOther:  // comments and the like are not SSML: they go
        break;
    }
  }

  // Closers needed now, in characters.
  [[nodiscard]] std::size_t pending_close_chars() const {
    std::size_t n = 0;
    for (const std::size_t index : open_) n += pieces_[index].name.size() + 3;
    return n;
  }

  [[nodiscard]] std::string finish() {
    while (!open_.empty()) close(pieces_[open_.back()].name, {});
    std::string out;
    std::size_t size = 0;
    for (const Piece& piece : pieces_) {
      size += piece.src.empty() ? piece.name.size() + 3 : piece.src.size();
    }
    out.reserve(size);
    for (const Piece& piece : pieces_) {
      if (piece.src.empty() && piece.kind == Kind::kClose) {
        out += "</";
        out += piece.name;
        out += '>';
      } else {
        out += piece.src;
      }
    }
    return out;
  }

 private:
  struct Piece {
    std::string_view src;  // empty for a synthesised closing tag
    std::string_view name;
    Kind kind;
  };

  void close(std::string_view name, std::string_view src) {
    const auto match = std::find_if(open_.rbegin(), open_.rend(),
                                    [&](std::size_t index) { return pieces_[index].name == name; });
    if (match == open_.rend()) return;  // nothing to close: drop the stray closing tag
    // Elements opened inside the one being closed are closed first.
    const auto depth = static_cast<std::size_t>(open_.rend() - match);
    while (open_.size() > depth) close_top({});
    close_top(src);
  }

  void close_top(std::string_view src) {
    const std::size_t open_index = open_.back();
    open_.pop_back();
    const std::string_view name = pieces_[open_index].name;
    const bool empty = std::all_of(
        pieces_.begin() + static_cast<std::ptrdiff_t>(open_index) + 1, pieces_.end(),
        [](const Piece& piece) { return piece.kind == Kind::kText && is_blank(piece.src); });
    if (empty && is_removable_when_empty(name)) {
      pieces_.resize(open_index);
      return;
    }
    pieces_.push_back({src, name, Kind::kClose});
  }

  std::vector<Piece> pieces_;
  std::vector<std::size_t> open_;  // indexes of open elements in pieces_
};

struct Sentences {
  std::vector<Token> tokens;
  std::optional<std::size_t> final;  // the last sentence with words in it
};

[[nodiscard]] Sentences find_sentences(std::string_view ssml) {
  Sentences result{split_sentences(tokenize(ssml)), std::nullopt};
  for (const Token& token : result.tokens) {
    if (token.kind == Kind::kText && !is_blank(token.src)) result.final = token.sentence;
  }
  return result;
}

// The first `keep` sentences and the final one, with the structure of the rest.
[[nodiscard]] std::string keep_sentences(const Sentences& sentences, std::size_t keep) {
  Assembler assembler;
  const std::size_t final = sentences.final.value_or(0);
  for (const Token& token : sentences.tokens) {
    const bool kept = token.sentence < keep || token.sentence >= final;
    if (kept || token.kind == Kind::kOpen || token.kind == Kind::kClose) assembler.add(token);
  }
  return assembler.finish();
}

// The byte offset after the first `chars` code points of text.
[[nodiscard]] std::size_t offset_of_char(std::string_view text, std::size_t chars) {
  std::size_t i = 0;
  while (i < text.size() && chars > 0) {
    i += decode_utf8(text, i).length;
    --chars;
  }
  return i;
}

// A prefix of SSML text of at most max_chars, ending at a word boundary when there is one and
// never inside an entity reference.
[[nodiscard]] std::string_view cut_text(std::string_view text, std::size_t max_chars,
                                        bool allow_mid_word) {
  std::string_view prefix = text.substr(0, offset_of_char(text, max_chars));
  if (prefix.size() == text.size()) return prefix;
  if (!is_space(text[prefix.size()])) {
    std::size_t space = prefix.size();
    while (space > 0 && !is_space(prefix[space - 1])) --space;
    if (space > 0) {
      prefix = prefix.substr(0, space);
    } else if (!allow_mid_word) {
      return {};
    }
  }
  // An entity reference has no spaces; a hard cut may still have split one.
  const std::size_t amp = prefix.rfind('&');
  if (amp != std::string_view::npos && prefix.find(';', amp) == std::string_view::npos) {
    prefix = prefix.substr(0, amp);
  }
  while (!prefix.empty() && is_space(prefix.back())) prefix.remove_suffix(1);
  return prefix;
}

// The last resort: keep tokens in order while they fit, cut the text that does not at a
// word boundary, and end with an ellipsis.
[[nodiscard]] std::string truncate_ssml(std::string_view ssml, std::size_t max_chars) {
  const std::vector<Token> tokens = tokenize(ssml);
  Assembler assembler;
  std::size_t used = 0;
  bool has_words = false;
  bool cut_short = false;
  const std::size_t ellipsis = 1;
  for (const Token& token : tokens) {
    const std::size_t cost = utf8_length(token.src);
    const std::size_t reserve = assembler.pending_close_chars() + ellipsis;
    if (token.kind == Kind::kClose) {
      assembler.add(token);
      used += cost;
      continue;
    }
    const std::size_t extra = token.kind == Kind::kOpen ? token.name.size() + 3 : 0;
    if (used + cost + extra + reserve <= max_chars) {
      assembler.add(token);
      used += cost;
      if (token.kind == Kind::kText && !is_blank(token.src)) has_words = true;
      continue;
    }
    if (token.kind == Kind::kEmpty || token.kind == Kind::kOther) continue;  // a pause can go
    if (token.kind == Kind::kOpen) {
      // Not even the outermost element fits: an empty fragment is the only well-formed answer.
      if (used == 0) return {};
      cut_short = true;
      break;
    }
    const std::size_t room = max_chars > used + reserve ? max_chars - used - reserve : 0;
    const std::string_view cut = cut_text(token.src, room, !has_words);
    if (!cut.empty()) assembler.add({Kind::kText, cut, {}});
    cut_short = true;
    break;
  }
  // Only pauses were left out: the words are whole and need no ellipsis.
  if (cut_short) assembler.add({Kind::kText, kEllipsis, {}});
  std::string out = assembler.finish();
  if (utf8_length(out) > max_chars) return {};
  return out;
}

// ---- The well-formedness checker ----

[[nodiscard]] bool is_known_element(std::string_view name) {
  static constexpr std::array<std::string_view, 17> kElements{
      "speak", "p",       "s",    "break", "prosody",       "emphasis",       "say-as",
      "sub",   "phoneme", "lang", "voice", "amazon:effect", "amazon:emotion", "amazon:domain",
      "audio", "w",       "mark"};
  return std::find(kElements.begin(), kElements.end(), name) != kElements.end();
}

[[nodiscard]] std::string quoted_name(std::string_view name) {
  constexpr std::size_t kMaxShown = 32;
  std::string out = "<";
  out += to_valid_utf8(name.substr(0, kMaxShown));
  out += '>';
  return out;
}

// "250ms" or "3s": whole numbers only, as Alexa documents them.
[[nodiscard]] std::optional<std::int64_t> parse_break_time(std::string_view value) {
  std::size_t digits = 0;
  std::int64_t number = 0;
  while (digits < value.size() && is_digit(value[digits])) {
    if (digits == 9) return std::nullopt;
    number = number * 10 + (value[digits] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  const std::string_view unit = value.substr(digits);
  if (unit == "ms") return number;
  if (unit == "s") return number * 1000;
  return std::nullopt;
}

class WellFormedChecker {
 public:
  explicit WellFormedChecker(std::string_view s) : s_(s) {}

  [[nodiscard]] bool run() {
    while (i_ < s_.size()) {
      const bool ok = s_[i_] == '<' ? tag() : text();
      if (!ok) return false;
    }
    if (!stack_.empty()) return fail("unclosed " + quoted_name(stack_.back()));
    return true;
  }

  std::string why;

 private:
  bool fail(std::string message) {
    why = std::move(message);
    return false;
  }

  bool text() {
    const char c = s_[i_];
    if (!stack_.empty() && stack_.back() == "break") return fail("<break> must be empty");
    if (stack_.empty() && !is_space(c)) {
      if (speak_seen_) return fail("text outside <speak>");
      top_level_content_ = true;
    }
    if (c == '&') {
      const auto entity = parse_entity(s_, i_);
      if (!entity) return fail("invalid entity reference (a bare & must be written &amp;)");
      i_ += entity->length;
      return true;
    }
    const Utf8Step step = decode_utf8(s_, i_);
    if (!step.valid) return fail("invalid UTF-8");
    if (!is_xml_char(step.code_point)) return fail("control character in text");
    i_ += step.length;
    return true;
  }

  void skip_space() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }

  bool tag() {
    ++i_;  // '<'
    if (i_ >= s_.size()) return fail("unfinished tag at the end");
    if (s_[i_] == '!' || s_[i_] == '?') {
      return fail("comments, CDATA, DOCTYPE and processing instructions are not allowed");
    }
    if (s_[i_] == '/') return closing_tag();
    return opening_tag();
  }

  std::string_view name() {
    if (i_ >= s_.size() || !is_name_start(s_[i_])) return {};
    const std::string_view n = read_name(s_, i_);
    i_ += n.size();
    return n;
  }

  bool closing_tag() {
    ++i_;  // '/'
    const std::string_view n = name();
    if (n.empty()) return fail("closing tag without a name");
    skip_space();
    if (i_ >= s_.size() || s_[i_] != '>') return fail("unfinished closing tag " + quoted_name(n));
    ++i_;
    if (stack_.empty()) return fail("closing tag " + quoted_name(n) + " without an opening one");
    if (stack_.back() != n) {
      return fail("closing tag " + quoted_name(n) + " does not match " +
                  quoted_name(stack_.back()));
    }
    stack_.pop_back();
    return true;
  }

  bool opening_tag() {
    const std::string_view n = name();
    if (n.empty()) return fail("a '<' that starts no tag (write &lt;)");
    if (!is_known_element(n)) return fail("unknown element " + quoted_name(n));
    if (!stack_.empty() && stack_.back() == "break") return fail("<break> must be empty");
    if (n == "speak") {
      if (!stack_.empty() || speak_seen_ || top_level_content_) {
        return fail("<speak> must be the one outermost element");
      }
      speak_seen_ = true;
    } else if (stack_.empty()) {
      if (speak_seen_) return fail("element outside <speak>");
      top_level_content_ = true;
    }
    std::vector<std::string_view> attribute_names;
    while (true) {
      const std::size_t before_space = i_;
      skip_space();
      if (i_ >= s_.size()) return fail("unfinished tag " + quoted_name(n));
      if (s_[i_] == '>') {
        ++i_;
        stack_.push_back(n);
        return true;
      }
      if (s_[i_] == '/') {
        if (i_ + 1 >= s_.size() || s_[i_ + 1] != '>') return fail("stray '/' in " + quoted_name(n));
        i_ += 2;
        return true;
      }
      if (i_ == before_space) return fail("attributes of " + quoted_name(n) + " need spaces");
      const std::string_view attribute = name();
      if (attribute.empty()) return fail("bad attribute in " + quoted_name(n));
      if (std::find(attribute_names.begin(), attribute_names.end(), attribute) !=
          attribute_names.end()) {
        return fail("repeated attribute in " + quoted_name(n));
      }
      attribute_names.push_back(attribute);
      skip_space();
      if (i_ >= s_.size() || s_[i_] != '=')
        return fail("attribute without a value in " + quoted_name(n));
      ++i_;
      skip_space();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) {
        return fail("unquoted attribute value in " + quoted_name(n));
      }
      const char quote = s_[i_++];
      const std::size_t value_start = i_;
      while (i_ < s_.size() && s_[i_] != quote) {
        if (s_[i_] == '<') return fail("'<' in an attribute value of " + quoted_name(n));
        if (s_[i_] == '&') {
          const auto entity = parse_entity(s_, i_);
          if (!entity) return fail("invalid entity reference in " + quoted_name(n));
          i_ += entity->length;
          continue;
        }
        const Utf8Step step = decode_utf8(s_, i_);
        if (!step.valid) return fail("invalid UTF-8");
        if (!is_xml_char(step.code_point)) return fail("control character in an attribute");
        i_ += step.length;
      }
      if (i_ >= s_.size()) return fail("unterminated attribute value in " + quoted_name(n));
      const std::string_view value = s_.substr(value_start, i_ - value_start);
      ++i_;  // closing quote
      if (n == "break" && !break_attribute(attribute, value)) return false;
    }
  }

  bool break_attribute(std::string_view attribute, std::string_view value) {
    if (attribute == "time") {
      const auto ms = parse_break_time(value);
      if (!ms) return fail("<break> time must look like 500ms or 3s");
      if (*ms > kMaxBreakMs) return fail("<break> longer than 10 s");
      return true;
    }
    if (attribute == "strength") {
      static constexpr std::array<std::string_view, 6> kStrengths{"none",   "x-weak", "weak",
                                                                  "medium", "strong", "x-strong"};
      if (std::find(kStrengths.begin(), kStrengths.end(), value) == kStrengths.end()) {
        return fail("unknown <break> strength");
      }
      return true;
    }
    return fail("unknown <break> attribute");
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::vector<std::string_view> stack_;
  bool speak_seen_ = false;
  bool top_level_content_ = false;
};

// The speaking rate a prosody rate attribute asks for, as a factor of the default.
double prosody_rate(std::string_view rate) {
  if (rate == "x-slow") return 0.5;
  if (rate == "slow") return 0.75;
  if (rate == "fast") return 1.5;
  if (rate == "x-fast") return 2.0;
  if (rate.size() > 1 && rate.back() == '%') {
    try {
      const double percent = std::stod(std::string(rate.substr(0, rate.size() - 1)));
      if (percent >= 20 && percent <= 400) return percent / 100.0;
    } catch (const std::exception&) {
    }
  }
  return 1.0;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Step step = decode_utf8(text, i);
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      out.push_back(text[i++]);
      continue;
    }
    const Utf8Step step = decode_utf8(text, i);
    if (step.valid) {
      out.append(text.substr(i, step.length));
    } else {
      out += kReplacement;
    }
    i += step.length;
  }
  return out;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++n) {
    i += static_cast<unsigned char>(text[i]) < 0x80 ? 1 : decode_utf8(text, i).length;
  }
  return n;
}

std::string escape_xml(std::string_view text) {
  if (is_clean_text(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 8);
  append_escaped(out, text);
  return out;
}

Ssml Ssml::from_text(std::string_view plain) {
  Ssml ssml;
  ssml.text(plain);
  return ssml;
}

Ssml Ssml::from_trusted(std::string_view fragment) {
  Ssml ssml;
  ssml.trusted(fragment);
  return ssml;
}

Ssml& Ssml::text(std::string_view plain) {
  if (is_clean_text(plain)) {
    inner_.append(plain);
  } else {
    append_escaped(inner_, plain);
  }
  return *this;
}

Ssml& Ssml::trusted(std::string_view fragment) {
  inner_.append(fragment);
  return *this;
}

Ssml& Ssml::pause(std::chrono::milliseconds length) {
  for (std::int64_t left = length.count(); left > 0; left -= kMaxBreakMs) {
    append_break(inner_, std::min(left, kMaxBreakMs));
  }
  return *this;
}

Ssml& Ssml::append(const Ssml& other) {
  // Joined fragments are separate sentences: "feelings." + "I'm" must not run together.
  const auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t'; };
  if (!inner_.empty() && !other.inner_.empty() && !is_space(inner_.back()) &&
      !is_space(other.inner_.front())) {
    inner_ += ' ';
  }
  inner_ += other.inner_;
  return *this;
}

std::string Ssml::speak() const {
  std::string out;
  out.reserve(inner_.size() + 15);
  out += "<speak>";
  out += inner_;
  out += "</speak>";
  return out;
}

std::string ssml_to_plain_text(std::string_view ssml) {
  std::string raw;
  raw.reserve(ssml.size());
  for (std::size_t i = 0; i < ssml.size();) {
    const char c = ssml[i];
    if (c == '<') {
      std::size_t end = tag_end(ssml, i);
      if (end == std::string_view::npos) end = ssml.size();
      // Tags that separate words; inline ones (say-as, emphasis...) may sit inside a word.
      const Token tag = classify_tag(ssml.substr(i, end - i));
      static constexpr std::array<std::string_view, 5> kSeparating{"speak", "p", "s", "break",
                                                                   "audio"};
      if (std::find(kSeparating.begin(), kSeparating.end(), tag.name) != kSeparating.end()) {
        raw.push_back(' ');
      }
      i = end;
    } else if (c == '&') {
      if (const auto entity = parse_entity(ssml, i)) {
        append_utf8(raw, entity->code_point);
        i += entity->length;
      } else {
        raw.push_back(c);
        ++i;
      }
    } else {
      raw.push_back(c);
      ++i;
    }
  }
  std::string out;
  out.reserve(raw.size());
  bool pending_space = false;
  for (const char c : raw) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

bool ssml_well_formed(std::string_view ssml, std::string* why) {
  WellFormedChecker checker(ssml);
  if (checker.run()) return true;
  if (why != nullptr) *why = std::move(checker.why);
  return false;
}

std::string shorten_ssml(std::string_view ssml, std::size_t max_chars) {
  if (utf8_length(ssml) <= max_chars) return std::string(ssml);
  const Sentences sentences = find_sentences(ssml);
  if (sentences.final) {
    // Keeping more leading sentences never makes the result shorter, so search for the most
    // that fit beside the final one.
    std::string best = keep_sentences(sentences, 0);
    if (utf8_length(best) <= max_chars) {
      std::size_t lo = 0;
      std::size_t hi = *sentences.final + 1;  // past the end: keeping all did not fit
      while (hi - lo > 1) {
        const std::size_t mid = lo + (hi - lo) / 2;
        std::string candidate = keep_sentences(sentences, mid);
        if (utf8_length(candidate) <= max_chars) {
          lo = mid;
          best = std::move(candidate);
        } else {
          hi = mid;
        }
      }
      return best;
    }
    return truncate_ssml(best, max_chars);
  }
  return truncate_ssml(ssml, max_chars);
}

std::string final_sentence(std::string_view ssml) {
  const Sentences sentences = find_sentences(ssml);
  if (!sentences.final) return std::string(ssml);
  return keep_sentences(sentences, 0);
}

std::string ssml_attribute(std::string_view tag, std::string_view name) {
  const auto at = tag.find(std::string(name) + "=");
  if (at == std::string_view::npos || at + name.size() + 1 >= tag.size()) return {};
  const auto quote = tag[at + name.size() + 1];
  if (quote != '"' && quote != '\'') return {};
  const auto start = at + name.size() + 2;
  const auto end = tag.find(quote, start);
  return end == std::string_view::npos ? std::string()
                                       : std::string(tag.substr(start, end - start));
}

long ssml_break_milliseconds(std::string_view tag) {
  const auto time = ssml_attribute(tag, "time");
  if (!time.empty()) {
    try {
      const bool ms = time.size() > 2 && time.substr(time.size() - 2) == "ms";
      const double value = std::stod(time.substr(0, time.size() - (ms ? 2 : 1)));
      return static_cast<long>(ms ? value : value * 1000.0);
    } catch (const std::exception&) {
      return 0;
    }
  }
  const auto strength = ssml_attribute(tag, "strength");
  if (strength == "none" || strength == "x-weak") return 0;
  if (strength == "weak") return 350;
  if (strength == "strong") return 1000;
  if (strength == "x-strong") return 1250;
  return 750;  // medium, the default
}

std::string ssml_tag_name(std::string_view tag) {
  std::size_t start = 1;
  std::size_t end = start;
  while (end < tag.size() && tag[end] != ' ' && tag[end] != '/' && tag[end] != '>') ++end;
  return std::string(tag.substr(start, end - start));
}


SpokenTiming spoken_timing(std::string_view ssml) {
  SpokenTiming timing;
  std::vector<double> rates = {1.0};
  bool in_word = false;
  bool in_pause = false;
  double words = 0;
  const auto end_word = [&] {
    if (!in_word) return;
    timing.speech_seconds += 1.0 / (kWordsPerSecond * rates.back());
    ++words;
    in_word = false;
  };
  for (std::size_t i = 0; i < ssml.size();) {
    if (ssml[i] != '<') {
      const char c = ssml[i++];
      const bool space = c == ' ' || c == '\n' || c == '\t';
      if (space) {
        end_word();
      } else {
        in_word = true;
        in_pause = false;
      }
      continue;
    }
    end_word();
    const auto close = ssml.find('>', i);
    if (close == std::string_view::npos) break;
    const auto tag = ssml.substr(i, close - i + 1);
    i = close + 1;
    const auto name = ssml_tag_name(tag);
    if (name == "break") {
      const auto seconds = static_cast<double>(ssml_break_milliseconds(tag)) / 1000.0;
      timing.silence_seconds += seconds;
      if (in_pause) {
        timing.pauses.back() += seconds;
      } else {
        timing.pauses.push_back(seconds);
        in_pause = true;
      }
    } else if (name == "prosody" && tag.back() != '/') {
      rates.push_back(rates.back() * prosody_rate(ssml_attribute(tag, "rate")));
    } else if (name == "/prosody" && rates.size() > 1) {
      rates.pop_back();
    }
  }
  end_word();
  return timing;
}

}  // namespace feel::skill
