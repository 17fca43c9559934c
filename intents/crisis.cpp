// GCC 12 with the sanitizers reports a false maybe-uninitialized deep inside <regex>, which
// this file's own header brings in (GCC bug 105562): silenced before that include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "intents/crisis.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "intents/matcher.hpp"
#include "skill/content.hpp"

namespace feel::intents {

namespace {

using skill::ContentError;

// Patterns are written against text that may keep its apostrophes ("don'?t", "i'd"), but they
// run on normalised text, which has none: "'?" goes first so "don'?t" becomes "dont", not "don?t".
std::string without_apostrophes(std::string pattern) {
  for (std::size_t at = pattern.find("'?"); at != std::string::npos; at = pattern.find("'?", at)) {
    pattern.erase(at, 2);
  }
  std::erase(pattern, '\'');
  return pattern;
}

// What any match of a piece of a regex must contain, worked out once at load so that is_crisis()
// runs a pattern only on text that has one of its words: std::regex tries every start position
// and would cost hundreds of microseconds per call for the whole list.
class Literals {
 public:
  static constexpr std::size_t kMaxStrings = 64;

  [[nodiscard]] static Literals unknown() { return {}; }
  [[nodiscard]] static Literals empty() { return exactly({""}); }
  [[nodiscard]] static Literals exactly(std::set<std::string> strings) {
    Literals out;
    out.exact_ = true;
    out.strings_ = std::move(strings);
    return out;
  }

  // The piece matches one of these strings exactly.
  [[nodiscard]] bool is_exact() const { return exact_; }
  // Every match contains one of these strings (empty: nothing is known).
  [[nodiscard]] std::set<std::string> required() const {
    if (exact_ && strings_.count("") != 0) return {};
    return strings_;
  }

  [[nodiscard]] static Literals concat(const Literals& a, const Literals& b) {
    if (a.exact_ && b.exact_ && a.strings_.size() * b.strings_.size() <= kMaxStrings) {
      std::set<std::string> product;
      for (const auto& x : a.strings_) {
        for (const auto& y : b.strings_) product.insert(x + y);
      }
      return exactly(std::move(product));
    }
    // A match of the whole contains a match of each part: keep the more selective part.
    return better(a.required(), b.required());
  }

  [[nodiscard]] static Literals alternate(const Literals& a, const Literals& b) {
    if (a.exact_ && b.exact_ && a.strings_.size() + b.strings_.size() <= kMaxStrings) {
      auto both = a.strings_;
      both.insert(b.strings_.begin(), b.strings_.end());
      return exactly(std::move(both));
    }
    auto ra = a.required();
    const auto rb = b.required();
    if (ra.empty() || rb.empty()) return unknown();
    ra.insert(rb.begin(), rb.end());
    return at_least(std::move(ra));
  }

  // The piece repeated between min and max times (max 0: unbounded).
  [[nodiscard]] static Literals repeat(const Literals& a, std::size_t min, std::size_t max) {
    if (min == 0 && max == 1 && a.exact_ && a.strings_.size() < kMaxStrings) {
      auto out = a.strings_;
      out.insert("");
      return exactly(std::move(out));
    }
    if (min == 0) return unknown();
    if (min == 1 && max == 1) return a;
    return at_least(a.required());
  }

 private:
  [[nodiscard]] static Literals at_least(std::set<std::string> strings) {
    Literals out;
    out.strings_ = std::move(strings);
    return out;
  }
  [[nodiscard]] static std::size_t shortest(const std::set<std::string>& strings) {
    std::size_t length = std::string::npos;
    for (const auto& s : strings) length = std::min(length, s.size());
    return length;
  }
  [[nodiscard]] static Literals better(std::set<std::string> a, std::set<std::string> b) {
    if (a.empty()) return at_least(std::move(b));
    if (b.empty()) return at_least(std::move(a));
    return at_least(shortest(a) >= shortest(b) ? std::move(a) : std::move(b));
  }

  bool exact_ = false;
  std::set<std::string> strings_;
};

// A small parser for the ECMAScript subset the patterns use; anything it does not follow gives
// Literals::unknown(), which only means the pattern always runs.
class LiteralParser {
 public:
  explicit LiteralParser(std::string_view pattern) : pattern_(pattern) {}

  [[nodiscard]] std::set<std::string> required() {
    auto literals = alternation();
    if (at_ != pattern_.size()) return {};
    return literals.required();
  }

 private:
  [[nodiscard]] bool more() const { return at_ < pattern_.size(); }
  [[nodiscard]] char peek() const { return pattern_[at_]; }

  Literals alternation() {
    auto out = sequence();
    while (more() && peek() == '|') {
      ++at_;
      out = Literals::alternate(out, sequence());
    }
    return out;
  }

  Literals sequence() {
    auto out = Literals::empty();
    while (more() && peek() != '|' && peek() != ')') out = Literals::concat(out, quantified());
    return out;
  }

  Literals quantified() {
    auto out = atom();
    if (!more()) return out;
    std::size_t min = 1;
    std::size_t max = 1;
    const char c = peek();
    if (c == '?' || c == '*' || c == '+') {
      ++at_;
      min = c == '+' ? 1 : 0;
      max = c == '?' ? 1 : 0;
    } else if (c == '{') {
      const auto close = pattern_.find('}', at_);
      if (close == std::string_view::npos) return Literals::unknown();
      const auto body = pattern_.substr(at_ + 1, close - at_ - 1);
      at_ = close + 1;
      const auto comma = body.find(',');
      min = std::stoul(std::string(body.substr(0, comma)));
      max = comma == std::string_view::npos ? min
            : comma + 1 == body.size()      ? 0
                                            : std::stoul(std::string(body.substr(comma + 1)));
    } else {
      return out;
    }
    if (more() && peek() == '?') ++at_;  // lazy: matches the same strings
    return Literals::repeat(out, min, max);
  }

  Literals atom() {
    const char c = pattern_[at_++];
    switch (c) {
      case '(': {
        bool zero_width = false;
        if (more() && peek() == '?') {
          ++at_;
          if (!more()) return Literals::unknown();
          const char kind = pattern_[at_++];
          zero_width = kind == '=' || kind == '!';
          if (!zero_width && kind != ':') return Literals::unknown();
        }
        auto inner = alternation();
        if (!more() || peek() != ')') return Literals::unknown();
        ++at_;
        return zero_width ? Literals::empty() : inner;
      }
      case '[': {
        // A class is one character of several: no literal, but skip it whole.
        if (more() && peek() == ']') ++at_;
        while (more() && peek() != ']') at_ += peek() == '\\' ? std::size_t{2} : std::size_t{1};
        if (more()) ++at_;
        return Literals::unknown();
      }
      case '.':
        return Literals::unknown();
      case '^':
      case '$':
        return Literals::empty();
      case '\\': {
        if (!more()) return Literals::unknown();
        const char escaped = pattern_[at_++];
        if (escaped == 'b' || escaped == 'B') return Literals::empty();
        const bool letter_or_digit = (escaped >= 'a' && escaped <= 'z') ||
                                     (escaped >= 'A' && escaped <= 'Z') ||
                                     (escaped >= '0' && escaped <= '9');
        return letter_or_digit ? Literals::unknown() : Literals::exactly({std::string(1, escaped)});
      }
      default:
        return Literals::exactly({std::string(1, c)});
    }
  }

  std::string_view pattern_;
  std::size_t at_ = 0;
};

std::vector<std::string> phrase_list(const nlohmann::json& parsed, const char* field,
                                     const std::string& file) {
  const std::string where = file + ": " + field;
  if (!parsed.contains(field) || !parsed[field].is_array()) {
    throw ContentError(where + ": must be a list of strings");
  }
  std::vector<std::string> out;
  for (const auto& item : parsed[field]) {
    if (!item.is_string()) throw ContentError(where + ": every entry must be a string");
    auto phrase = normalize(item.get<std::string>());
    if (phrase.empty()) throw ContentError(where + ": an entry has no words");
    out.push_back(std::move(phrase));
  }
  return out;
}

// Calls on_match(begin, end) for each place the phrase occurs as whole words in text.
template <typename OnMatch>
void for_each_phrase(std::string_view text, std::string_view phrase, OnMatch on_match) {
  for (std::size_t at = text.find(phrase); at != std::string_view::npos;
       at = text.find(phrase, at + 1)) {
    const std::size_t end = at + phrase.size();
    const bool starts_word = at == 0 || text[at - 1] == ' ';
    const bool ends_word = end == text.size() || text[end] == ' ';
    if (starts_word && ends_word && on_match(at, end)) return;
  }
}

}  // namespace

CrisisDetector CrisisDetector::load(const std::filesystem::path& crisis_json) {
  const std::string file = crisis_json.string();
  std::ifstream in(crisis_json, std::ios::binary);
  if (!in) throw ContentError(file + ": cannot be read");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    throw ContentError(file + ": must be a JSON object with phrases, patterns and safe_phrases");
  }
  CrisisDetector detector;
  detector.phrases_ = phrase_list(parsed, "phrases", file);
  detector.safe_phrases_ = phrase_list(parsed, "safe_phrases", file);
  if (!parsed.contains("patterns") || !parsed["patterns"].is_array()) {
    throw ContentError(file + ": patterns: must be a list of strings");
  }
  for (const auto& item : parsed["patterns"]) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      throw ContentError(file + ": patterns: every entry must be a non-empty string");
    }
    const auto& source = item.get_ref<const std::string&>();
    try {
      const auto pattern = without_apostrophes(source);
      const auto literals = LiteralParser(pattern).required();
      detector.patterns_.push_back(
          {std::regex(pattern, std::regex::ECMAScript | std::regex::optimize),
           std::vector<std::string>(literals.begin(), literals.end())});
    } catch (const std::regex_error& error) {
      throw ContentError(file + ": patterns: \"" + source + "\" is not a valid regex (" +
                         error.what() + ")");
    }
  }
  if (detector.phrases_.empty() && detector.patterns_.empty()) {
    throw ContentError(file + ": has neither phrases nor patterns");
  }
  return detector;
}

bool CrisisDetector::is_covered(const std::vector<Span>& safe, std::size_t begin, std::size_t end) {
  for (const auto& span : safe) {
    if (span.begin <= begin && end <= span.end) return true;
  }
  return false;
}

bool CrisisDetector::is_crisis(std::string_view text) const {
  const std::string normalized = normalize(text);
  if (normalized.empty()) return false;

  std::vector<Span> safe;
  for (const auto& phrase : safe_phrases_) {
    for_each_phrase(normalized, phrase, [&](std::size_t begin, std::size_t end) {
      safe.push_back({begin, end});
      return false;
    });
  }

  bool found = false;
  for (const auto& phrase : phrases_) {
    for_each_phrase(normalized, phrase, [&](std::size_t begin, std::size_t end) {
      found = !is_covered(safe, begin, end);
      return found;
    });
    if (found) return true;
  }
  for (const auto& pattern : patterns_) {
    const bool possible =
        pattern.literals.empty() ||
        std::any_of(pattern.literals.begin(), pattern.literals.end(),
                    [&](const std::string& s) { return normalized.find(s) != std::string::npos; });
    if (!possible) continue;
    // Every match counts, not only the first: a safe phrase may cover one and not the next. A
    // covered match is searched past by one character, not its length, so an overlapping match
    // that the safe phrase does not cover is still found.
    std::smatch match;
    for (auto from = normalized.cbegin();
         std::regex_search(from, normalized.cend(), match, pattern.regex,
                           from == normalized.cbegin() ? std::regex_constants::match_default
                                                       : std::regex_constants::match_prev_avail);
         ++from) {
      const auto begin = static_cast<std::size_t>(match[0].first - normalized.cbegin());
      if (!is_covered(safe, begin, begin + static_cast<std::size_t>(match.length(0)))) return true;
      from = match[0].first;
      if (from == normalized.cend()) break;
    }
  }
  return false;
}

}  // namespace feel::intents
