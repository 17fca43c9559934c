#include "intents/matcher.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "skill/content.hpp"

namespace feel::intents {

namespace {

using skill::ContentError;
using Vocabulary = TopicIndex::Vocabulary;

// ---------------------------------------------------------------------------------------------
// Normalisation

// Appends the ASCII folding of one code point: letters lose accents, the quote marks people
// type for apostrophes become one, everything else that is not a letter or digit is a space.
void fold_code_point(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    const auto c = static_cast<char>(cp);
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'') {
      out += c;
    } else if (c == '`') {
      out += '\'';
    } else {
      out += ' ';
    }
    return;
  }
  if (cp == 0x2018 || cp == 0x2019 || cp == 0x02BC || cp == 0x00B4 || cp == 0x2032) {
    out += '\'';
    return;
  }
  if (cp >= 0xC0 && cp <= 0xFF) {
    // Latin-1 letters, upper and lower case share the low five bits.
    static constexpr std::string_view kLatin1 =
        "aaaaaaeceeeeiiiidnooooo ouuuuyts"   // 0xC0-0xDF (0xD7 is x, 0xDE thorn, 0xDF sharp s)
        "aaaaaaeceeeeiiiidnooooo ouuuuyty";  // 0xE0-0xFF
    const char c = kLatin1[cp - 0xC0];
    if (cp == 0xC6 || cp == 0xE6) {
      out += "ae";
    } else if (cp == 0xDF) {
      out += "ss";
    } else if (cp == 0xDE || cp == 0xFE) {
      out += "th";
    } else {
      out += c;
    }
    return;
  }
  if (cp == 0x0152 || cp == 0x0153) {
    out += "oe";
    return;
  }
  out += ' ';
}

// Decodes one UTF-8 sequence at text[i]; nullopt (and one byte consumed) when it is invalid.
std::optional<char32_t> decode_utf8(std::string_view text, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    ++i;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1Fu, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0Fu, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07u, min = 0x10000;
  } else {
    ++i;
    return std::nullopt;
  }
  if (i + length > text.size()) {
    ++i;
    return std::nullopt;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    cp = (cp << 6) | (next & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return std::nullopt;
  }
  i += length;
  return cp;
}

[[nodiscard]] bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ---------------------------------------------------------------------------------------------
// Porter2 (Snowball English), https://snowballstem.org/algorithms/english/stemmer.html.
// Works on a lower-case ASCII word; 'Y' marks a y that acts as a consonant.

[[nodiscard]] bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

[[nodiscard]] bool ends_with(const std::string& w, std::string_view suffix) {
  return w.size() >= suffix.size() &&
         std::string_view(w).substr(w.size() - suffix.size()) == suffix;
}

[[nodiscard]] bool has_vowel(const std::string& w, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end && i < w.size(); ++i) {
    if (is_vowel(w[i])) return true;
  }
  return false;
}

// The start of the region after the first non-vowel that follows a vowel, from `from` on.
[[nodiscard]] std::size_t region_after(const std::string& w, std::size_t from) {
  for (std::size_t i = from + 1; i < w.size(); ++i) {
    if (!is_vowel(w[i]) && is_vowel(w[i - 1])) return i + 1;
  }
  return w.size();
}

// Whether w[0, end) ends in a short syllable.
[[nodiscard]] bool ends_short_syllable(const std::string& w, std::size_t end) {
  if (end == 2) return is_vowel(w[0]) && !is_vowel(w[1]);
  if (end < 3) return false;
  const char last = w[end - 1];
  return !is_vowel(w[end - 3]) && is_vowel(w[end - 2]) && !is_vowel(last) && last != 'w' &&
         last != 'x' && last != 'Y';
}

[[nodiscard]] bool is_double(const std::string& w) {
  if (w.size() < 2 || w[w.size() - 1] != w[w.size() - 2]) return false;
  const char c = w.back();
  return c == 'b' || c == 'd' || c == 'f' || c == 'g' || c == 'm' || c == 'n' || c == 'p' ||
         c == 'r' || c == 't';
}

[[nodiscard]] bool is_li_ending(char c) {
  return c == 'c' || c == 'd' || c == 'e' || c == 'g' || c == 'h' || c == 'k' || c == 'm' ||
         c == 'n' || c == 'r' || c == 't';
}

struct Rule {
  std::string_view suffix;
  std::string_view replacement;
};

// The longest rule whose suffix ends w, or nullptr.
template <std::size_t N>
[[nodiscard]] const Rule* longest_rule(const std::string& w, const std::array<Rule, N>& rules) {
  const Rule* found = nullptr;
  for (const auto& rule : rules) {
    if (ends_with(w, rule.suffix) &&
        (found == nullptr || rule.suffix.size() > found->suffix.size())) {
      found = &rule;
    }
  }
  return found;
}

void replace_suffix(std::string& w, std::size_t suffix_length, std::string_view replacement) {
  w.resize(w.size() - suffix_length);
  w += replacement;
}

void porter2_step1a(std::string& w) {
  if (ends_with(w, "sses")) {
    replace_suffix(w, 4, "ss");
  } else if (ends_with(w, "ied") || ends_with(w, "ies")) {
    replace_suffix(w, 3, w.size() > 4 ? "i" : "ie");
  } else if (ends_with(w, "us") || ends_with(w, "ss")) {
    // unchanged
  } else if (ends_with(w, "s") && w.size() >= 2 && has_vowel(w, 0, w.size() - 2)) {
    w.pop_back();
  }
}

void porter2_step1b(std::string& w, std::size_t r1) {
  static constexpr std::array<Rule, 6> kRules{
      {{"eedly", "ee"}, {"ingly", ""}, {"edly", ""}, {"eed", "ee"}, {"ing", ""}, {"ed", ""}}};
  const Rule* rule = longest_rule(w, kRules);
  if (rule == nullptr) return;
  const std::size_t start = w.size() - rule->suffix.size();
  if (rule->replacement == "ee") {
    if (start >= r1) replace_suffix(w, rule->suffix.size(), "ee");
    return;
  }
  if (!has_vowel(w, 0, start)) return;
  w.resize(start);
  if (ends_with(w, "at") || ends_with(w, "bl") || ends_with(w, "iz")) {
    w += 'e';
  } else if (is_double(w)) {
    w.pop_back();
  } else if (r1 >= w.size() && ends_short_syllable(w, w.size())) {
    w += 'e';
  }
}

void porter2_step1c(std::string& w) {
  if (w.size() > 2 && (w.back() == 'y' || w.back() == 'Y') && !is_vowel(w[w.size() - 2])) {
    w.back() = 'i';
  }
}

void porter2_step2(std::string& w, std::size_t r1) {
  static constexpr std::array<Rule, 24> kRules{{
      {"ization", "ize"}, {"ational", "ate"}, {"fulness", "ful"}, {"ousness", "ous"},
      {"iveness", "ive"}, {"tional", "tion"}, {"biliti", "ble"},  {"lessli", "less"},
      {"entli", "ent"},   {"ation", "ate"},   {"alism", "al"},    {"aliti", "al"},
      {"ousli", "ous"},   {"iviti", "ive"},   {"fulli", "ful"},   {"enci", "ence"},
      {"anci", "ance"},   {"abli", "able"},   {"izer", "ize"},    {"ator", "ate"},
      {"alli", "al"},     {"bli", "ble"},     {"ogi", "og"},      {"li", ""},
  }};
  const Rule* rule = longest_rule(w, kRules);
  if (rule == nullptr) return;
  const std::size_t start = w.size() - rule->suffix.size();
  if (start < r1) return;
  if (rule->suffix == "ogi" && (start == 0 || w[start - 1] != 'l')) return;
  if (rule->suffix == "li" && (start == 0 || !is_li_ending(w[start - 1]))) return;
  replace_suffix(w, rule->suffix.size(), rule->replacement);
}

void porter2_step3(std::string& w, std::size_t r1, std::size_t r2) {
  static constexpr std::array<Rule, 9> kRules{{{"ational", "ate"},
                                               {"tional", "tion"},
                                               {"alize", "al"},
                                               {"icate", "ic"},
                                               {"iciti", "ic"},
                                               {"ative", ""},
                                               {"ical", "ic"},
                                               {"ness", ""},
                                               {"ful", ""}}};
  const Rule* rule = longest_rule(w, kRules);
  if (rule == nullptr) return;
  const std::size_t start = w.size() - rule->suffix.size();
  if (start < r1) return;
  if (rule->suffix == "ative" && start < r2) return;
  replace_suffix(w, rule->suffix.size(), rule->replacement);
}

void porter2_step4(std::string& w, std::size_t r2) {
  static constexpr std::array<Rule, 18> kRules{{
      {"ement", ""},
      {"ance", ""},
      {"ence", ""},
      {"able", ""},
      {"ible", ""},
      {"ment", ""},
      {"ant", ""},
      {"ent", ""},
      {"ism", ""},
      {"ate", ""},
      {"iti", ""},
      {"ous", ""},
      {"ive", ""},
      {"ize", ""},
      {"ion", ""},
      {"al", ""},
      {"er", ""},
      {"ic", ""},
  }};
  const Rule* rule = longest_rule(w, kRules);
  if (rule == nullptr) return;
  const std::size_t start = w.size() - rule->suffix.size();
  if (start < r2) return;
  if (rule->suffix == "ion" && (start == 0 || (w[start - 1] != 's' && w[start - 1] != 't'))) {
    return;
  }
  w.resize(start);
}

void porter2_step5(std::string& w, std::size_t r1, std::size_t r2) {
  if (w.empty()) return;
  const std::size_t start = w.size() - 1;
  if (w.back() == 'e') {
    if (start >= r2 || (start >= r1 && !ends_short_syllable(w, start))) w.pop_back();
  } else if (w.back() == 'l') {
    if (start >= r2 && start > 0 && w[start - 1] == 'l') w.pop_back();
  }
}

// ---------------------------------------------------------------------------------------------
// Scoring. The values were chosen on tests/data/questions/tune.tsv, never on heldout.tsv.

// BM25: questions are short, so their length matters little.
constexpr double kK1 = 1.2;
constexpr double kQuestionB = 0.5;
constexpr double kTopicB = 0.5;
// A keyword counts as this many mentions in its topic's document.
constexpr int kKeywordRepeat = 3;
// How much the best single question counts next to the whole topic's vocabulary.
constexpr double kQuestionWeight = 0.25;
// Weak words and bigrams help ranking, but less than a content word.
constexpr double kWeakFactor = 0.3;
constexpr double kBigramFactor = 0.3;
// The least weight a known content word has in the in-domain test, for words every topic uses.
constexpr double kMinSpecificity = 0.25;
// The weight of a content word the index does not know at all.
constexpr double kUnknownWeight = 1.0;
// Below this share of the content words' weight, a topic gets no confidence at all.
constexpr double kMinExplained = 0.55;
// Confidence when the best topic only just beats the runner-up, as a share of the explained part.
constexpr double kSeparationFloor = 0.9;

// The classifier: stochastic gradient descent on the softmax loss, with a falling rate and a
// little L2, over this many passes; keywords teach half as much as a whole question.
constexpr int kTrainEpochs = 30;
constexpr double kTrainRate = 0.5;
constexpr double kTrainDecay = 1e-4;
constexpr double kTrainL2 = 1e-6;
constexpr double kTrainKeywordWeight = 0.5;
// The classifier's share of the ranking score, next to BM25 scaled to the best topic's.
constexpr double kClassifierShare = 0.5;
// The classifier also sees every word, stop words too, at this weight: "are you", "alexa" and
// "can you" speak to the device, "i" and "my" about oneself.
constexpr double kWordValue = 0.45;
// An utterance gets no topic when the classifier finds it at least this likely to be an
// everyday request, and at least half as likely as the topic chosen.
constexpr double kEverydayVeto = 0.1;
constexpr double kEverydayShare = 0.5;

[[nodiscard]] double bm25_idf(std::size_t docs, std::size_t df) {
  const auto n = static_cast<double>(docs);
  const auto d = static_cast<double>(df);
  return std::log(1.0 + (n - d + 0.5) / (d + 0.5));
}

[[nodiscard]] double bm25_tf(std::uint32_t tf, std::uint32_t length, double average, double b) {
  const auto f = static_cast<double>(tf);
  return f * (kK1 + 1) / (f + kK1 * (1 - b + b * static_cast<double>(length) / average));
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ContentError(file.string() + ": cannot be read");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> string_list(const nlohmann::json& value, const std::string& where);

// An optional content file: nullopt when it is absent, otherwise its JSON object. Throws
// naming the file and the shape it must have when it is not one.
std::optional<nlohmann::json> optional_object(const std::filesystem::path& path,
                                              const std::string& shape) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  auto parsed = nlohmann::json::parse(read_file(path), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    throw ContentError(path.string() + ": must be " + shape);
  }
  return parsed;
}

// Loads the stop words, weak words and synonyms that analyse() works with.
Vocabulary load_vocabulary(const std::filesystem::path& path) {
  const std::string file = path.string();
  const auto parsed = nlohmann::json::parse(read_file(path), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    throw ContentError(file + ": must be a JSON object with stop, weak and synonyms");
  }
  for (const auto* field : {"stop", "weak", "synonyms"}) {
    if (!parsed.contains(field)) throw ContentError(file + ": has no \"" + field + "\"");
  }
  Vocabulary vocabulary;
  // Entries are matched against normalised words, so each must be one.
  const auto word = [&](const std::string& entry, const std::string& where) {
    if (normalize(entry) != entry || entry.find(' ') != std::string::npos) {
      throw ContentError(file + ": " + where + ": \"" + entry + "\" is not one normalised word");
    }
    return entry;
  };
  for (const auto& entry : string_list(parsed["stop"], file + ": stop")) {
    vocabulary.stop.insert(word(entry, "stop"));
  }
  for (const auto& entry : string_list(parsed["weak"], file + ": weak")) {
    // Kept as stems, so that "meaning" is as weak as "mean".
    vocabulary.weak.insert(stem(word(entry, "weak")));
  }
  const auto optional_list = [&](const char* field) {
    return parsed.contains(field) ? string_list(parsed[field], file + ": " + field)
                                  : std::vector<std::string>{};
  };
  for (const auto& entry : optional_list("generic")) {
    vocabulary.generic.insert(stem(word(entry, "generic")));
  }
  for (const auto& entry : optional_list("core")) {
    vocabulary.core.insert(stem(word(entry, "core")));
  }
  for (const auto& entry : optional_list("cues")) vocabulary.cues.insert(word(entry, "cues"));
  for (const auto& entry : optional_list("addressee_openers")) {
    vocabulary.addressee_openers.insert(word(entry, "addressee_openers"));
  }
  for (const auto& entry : optional_list("openers")) {
    vocabulary.openers.insert(word(entry, "openers"));
  }
  for (const auto& entry : optional_list("fillers")) {
    vocabulary.fillers.insert(word(entry, "fillers"));
  }
  for (const auto& entry : optional_list("carriers")) {
    if (normalize(entry) != entry) {
      throw ContentError(file + ": carriers: \"" + entry + "\" is not normalised");
    }
    vocabulary.carriers.push_back(entry);
  }
  std::stable_sort(vocabulary.carriers.begin(), vocabulary.carriers.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& entry : optional_list("commands")) {
    vocabulary.commands.insert(word(entry, "commands"));
  }
  for (const auto& entry : optional_list("addressee")) {
    if (normalize(entry) != entry) {
      throw ContentError(file + ": addressee: \"" + entry + "\" is not normalised");
    }
    vocabulary.addressee.push_back(entry);
  }
  const auto& synonyms = parsed["synonyms"];
  if (!synonyms.is_object()) throw ContentError(file + ": synonyms: must be an object");
  for (const auto& [from, to] : synonyms.items()) {
    if (!to.is_string() || normalize(to.get<std::string>()).empty()) {
      throw ContentError(file + ": synonyms: " + from + ": must be a non-empty string");
    }
    vocabulary.synonyms.emplace(word(from, "synonyms"), normalize(to.get<std::string>()));
  }
  // Other forms of a word share its replacement ("scares" as "scared"), unless two of the words
  // with the stem disagree.
  std::unordered_set<std::string> ambiguous;
  for (const auto& [from, to] : vocabulary.synonyms) {
    const auto [it, added] = vocabulary.stem_synonyms.emplace(stem(from), to);
    if (!added && it->second != to) ambiguous.insert(it->first);
  }
  for (const auto& stem_word : ambiguous) vocabulary.stem_synonyms.erase(stem_word);
  return vocabulary;
}

std::vector<std::string> string_list(const nlohmann::json& value, const std::string& where) {
  if (!value.is_array()) throw ContentError(where + ": must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      throw ContentError(where + ": every entry must be a non-empty string");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string normalize(std::string_view text) {
  std::string folded;
  folded.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto cp = decode_utf8(text, i);
    fold_code_point(cp.value_or(U' '), folded);
  }
  std::string out;
  out.reserve(folded.size());
  for (std::size_t i = 0; i < folded.size(); ++i) {
    char c = folded[i];
    if (c == '\'') {
      // An apostrophe inside a word joins its halves ("can't" -> "cant"); any other is a gap.
      const bool inside =
          !out.empty() && is_alnum(out.back()) && i + 1 < folded.size() && is_alnum(folded[i + 1]);
      if (inside) continue;
      c = ' ';
    }
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> tokenize(std::string_view normalized) {
  std::vector<std::string> tokens;
  std::size_t start = 0;
  while (start < normalized.size()) {
    const auto end = std::min(normalized.find(' ', start), normalized.size());
    if (end > start) tokens.emplace_back(normalized.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

std::string stem(std::string_view word) {
  std::string w(word);
  if (w.size() <= 2) return w;
  static const std::array<std::pair<std::string_view, std::string_view>, 18> kSpecial{{
      {"skis", "ski"},
      {"skies", "sky"},
      {"dying", "die"},
      {"lying", "lie"},
      {"tying", "tie"},
      {"idly", "idl"},
      {"gently", "gentl"},
      {"ugly", "ugli"},
      {"early", "earli"},
      {"only", "onli"},
      {"singly", "singl"},
      {"sky", "sky"},
      {"news", "news"},
      {"howe", "howe"},
      {"atlas", "atlas"},
      {"cosmos", "cosmos"},
      {"bias", "bias"},
      {"andes", "andes"},
  }};
  for (const auto& [from, to] : kSpecial) {
    if (w == from) return std::string(to);
  }
  // Step 0 works on apostrophes, which normalize() has already dropped; kept for direct use.
  if (w.front() == '\'') w.erase(0, 1);
  for (const std::string_view suffix : {"'s'", "'s", "'"}) {
    if (ends_with(w, suffix)) {
      w.resize(w.size() - suffix.size());
      break;
    }
  }
  if (w.size() <= 2) return w;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 'y' && (i == 0 || is_vowel(w[i - 1]))) w[i] = 'Y';
  }
  std::size_t r1 = region_after(w, 0);
  for (const std::string_view prefix : {"gener", "commun", "arsen"}) {
    if (w.starts_with(prefix)) r1 = prefix.size();
  }
  const std::size_t r2 = region_after(w, r1);

  porter2_step1a(w);
  static constexpr std::array<std::string_view, 8> kInvariant{
      "inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"};
  const bool invariant = std::find(kInvariant.begin(), kInvariant.end(), w) != kInvariant.end();
  if (!invariant) {
    porter2_step1b(w, r1);
    porter2_step1c(w);
    porter2_step2(w, r1);
    porter2_step3(w, r1, r2);
    porter2_step4(w, r2);
    porter2_step5(w, r1, r2);
  }
  std::replace(w.begin(), w.end(), 'Y', 'y');
  return w;
}

// ---------------------------------------------------------------------------------------------

namespace {

// One utterance or indexed text, ready to score: unigram stems (with whether each is a weak
// word) and bigrams of neighbouring stems, which let "dead inside" outweigh "dead" and "inside".
struct Analysed {
  // A request to the device, or small talk that uses feeling words (see Vocabulary::generic
  // and Vocabulary::commands): no topic explains it.
  bool small_talk = false;
  std::vector<std::string> unigrams;
  std::vector<bool> weak;
  std::vector<std::string> bigrams;
  std::vector<std::string> words;  // every word, stop words too, for the classifier
};

// The first word that is not a filler ("um", "so"), or nullptr.
const std::string* opening_word(const std::vector<std::string>& words,
                                const Vocabulary& vocabulary) {
  for (const auto& word : words) {
    if (vocabulary.fillers.count(word) == 0) return &word;
  }
  return nullptr;
}

// A word as it was said, as a classifier feature: '=' never appears in a stem.
std::string said(const std::string& word) { return '=' + word; }

Analysed analyse(std::string_view text, const Vocabulary& vocabulary) {
  Analysed out;
  std::vector<std::string> words;
  // The replacement for a word, or nullptr.
  const auto synonym_of = [&](const std::string& token) -> const std::string* {
    if (const auto it = vocabulary.synonyms.find(token); it != vocabulary.synonyms.end()) {
      return &it->second;
    }
    if (vocabulary.stop.count(token) != 0) return nullptr;
    const auto it = vocabulary.stem_synonyms.find(stem(token));
    return it == vocabulary.stem_synonyms.end() ? nullptr : &it->second;
  };
  for (auto& token : tokenize(normalize(text))) {
    if (const auto* synonym = synonym_of(token)) {
      for (auto& word : tokenize(*synonym)) words.push_back(std::move(word));
    } else {
      words.push_back(std::move(token));
    }
  }
  out.words = words;
  for (const auto& word : words) {
    if (vocabulary.stop.count(word) != 0) continue;
    out.unigrams.push_back(stem(word));
    out.weak.push_back(vocabulary.weak.count(out.unigrams.back()) != 0);
  }
  for (const auto& word : words) {
    if (vocabulary.stop.count(word) != 0 || vocabulary.weak.count(stem(word)) != 0) continue;
    out.small_talk = vocabulary.commands.count(word) != 0;
    break;
  }
  if (!out.small_talk && (!vocabulary.generic.empty() || !vocabulary.core.empty())) {
    bool everyday = false;
    bool other = false;
    for (std::size_t i = 0; i < out.unigrams.size(); ++i) {
      if (vocabulary.generic.count(out.unigrams[i]) != 0) {
        everyday = true;
      } else if (vocabulary.core.count(out.unigrams[i]) == 0 && !out.weak[i]) {
        other = true;
      }
    }
    if (!other && !out.unigrams.empty()) {
      bool cue = false;
      std::string spaced = " ";
      for (const auto& word : words) {
        cue = cue || vocabulary.cues.count(word) != 0;
        spaced += word + ' ';
      }
      const auto* opening = opening_word(words, vocabulary);
      // "you happy" (the slot of "are you happy") speaks to the device; "you tell me what
      // feelings are" (of "can you tell me...") is still a question.
      const bool addressed =
          (!cue && opening != nullptr && vocabulary.addressee_openers.count(*opening) != 0) ||
          std::any_of(vocabulary.addressee.begin(), vocabulary.addressee.end(),
                      [&](const std::string& phrase) {
                        return spaced.find(' ' + phrase + ' ') != std::string::npos;
                      });
      // One feeling word on its own ("emotions") names a topic; more, with no cue, report a
      // mood ("i feel happy").
      out.small_talk = addressed || (!cue && (everyday || out.unigrams.size() > 1));
    }
  }
  for (std::size_t i = 1; i < out.unigrams.size(); ++i) {
    out.bigrams.push_back(out.unigrams[i - 1] + ' ' + out.unigrams[i]);
  }
  return out;
}

}  // namespace

TopicIndex TopicIndex::load(const std::filesystem::path& topics_json) {
  const auto parsed = nlohmann::json::parse(read_file(topics_json), nullptr, false);
  const std::string file = topics_json.string();
  if (parsed.is_discarded()) throw ContentError(file + ": not valid JSON");
  if (!parsed.is_object() || parsed.empty()) {
    throw ContentError(file + ": must be an object of topic id -> {related, questions, keywords}");
  }
  TopicIndex index;
  // More ways of asking, for matching only: unlike questions, they are never offered aloud.
  std::vector<std::vector<std::string>> examples;
  for (const auto& [id, value] : parsed.items()) {
    const std::string where = file + ": " + id;
    if (!value.is_object()) throw ContentError(where + ": must be an object");
    TopicInfo topic;
    topic.id = id;
    for (const auto* field : {"related", "questions", "keywords"}) {
      if (!value.contains(field)) throw ContentError(where + ": has no \"" + field + "\"");
    }
    topic.related = string_list(value["related"], where + ".related");
    topic.questions = string_list(value["questions"], where + ".questions");
    topic.keywords = string_list(value["keywords"], where + ".keywords");
    if (topic.questions.empty()) throw ContentError(where + ".questions: must not be empty");
    examples.push_back(value.contains("examples")
                           ? string_list(value["examples"], where + ".examples")
                           : std::vector<std::string>{});
    index.topics_.push_back(std::move(topic));
  }
  for (const auto& topic : index.topics_) {
    for (const auto& related : topic.related) {
      if (index.find(related) == nullptr || related == topic.id) {
        throw ContentError(file + ": " + topic.id + ".related: \"" + related +
                           "\" is not another topic");
      }
    }
  }

  const auto more = topics_json.parent_path() / "phrasings.json";
  if (const auto phrasings = optional_object(more, "an object of topic id -> [phrasings]")) {
    for (const auto& [id, value] : phrasings->items()) {
      const auto* topic = index.find(id);
      if (topic == nullptr) throw ContentError(more.string() + ": \"" + id + "\" is not a topic");
      auto& into = examples[static_cast<std::size_t>(topic - index.topics_.data())];
      for (auto& phrasing : string_list(value, more.string() + ": " + id)) {
        into.push_back(std::move(phrasing));
      }
    }
  }
  index.vocabulary_ = load_vocabulary(topics_json.parent_path() / "vocabulary.json");
  // Every way of asking is also taught as Alexa delivers it without its carrier phrase.
  const auto with_slot_forms = [&index](std::vector<std::string>& texts,
                                        const std::vector<std::string>& from) {
    std::unordered_set<std::string> known;
    for (const auto& text : texts) known.insert(normalize(text));
    for (const auto& text : from) {
      if (auto slot = index.without_carrier(text); slot && known.insert(*slot).second) {
        texts.push_back(std::move(*slot));
      }
    }
  };
  for (std::size_t t = 0; t < examples.size(); ++t) {
    const auto written = examples[t];
    with_slot_forms(examples[t], index.topics_[t].questions);
    with_slot_forms(examples[t], written);
  }
  std::vector<std::string> everyday;
  const auto requests = topics_json.parent_path() / "out-of-scope.json";
  const std::string shape = "an object with \"examples\"";
  if (const auto listed = optional_object(requests, shape)) {
    if (!listed->contains("examples")) throw ContentError(requests.string() + ": must be " + shape);
    everyday = string_list((*listed)["examples"], requests.string() + ": examples");
    const auto written = everyday;
    with_slot_forms(everyday, written);
  }
  const auto data = index.build(examples, everyday);
  index.train(data, index.topics_.size() + (everyday.empty() ? 0 : 1));
  return index;
}

TopicIndex::Features TopicIndex::features(const std::vector<std::string>& unigrams,
                                          const std::vector<bool>& weak,
                                          const std::vector<std::string>& bigrams,
                                          const std::vector<std::string>& words) const {
  // The same weights as in ranking (weak words and bigrams count for less than a content word),
  // and every word as it was said, marked apart from the stems.
  Features out;
  const auto add = [&](const std::string& term, double value) {
    const auto it = feature_ids_.find(term);
    if (it == feature_ids_.end()) return;
    const auto same = std::find_if(
        out.begin(), out.end(), [&](const auto& feature) { return feature.first == it->second; });
    if (same == out.end()) {
      out.emplace_back(it->second, value);
    } else {
      same->second = std::max(same->second, value);
    }
  };
  for (std::size_t i = 0; i < unigrams.size(); ++i) add(unigrams[i], weak[i] ? kWeakFactor : 1.0);
  for (const auto& bigram : bigrams) add(bigram, kBigramFactor);
  for (const auto& word : words) add(said(word), kWordValue);
  double norm = 0;
  for (const auto& feature : out) norm += feature.second * feature.second;
  norm = std::sqrt(norm);
  for (auto& feature : out) feature.second /= norm;
  return out;
}

std::vector<double> TopicIndex::classify(const Features& features) const {
  const std::size_t classes = bias_.size();
  std::vector<double> p(bias_);
  for (const auto& [id, value] : features) {
    const double* row = &weights_[id * classes];
    for (std::size_t c = 0; c < classes; ++c) p[c] += value * row[c];
  }
  const double top = *std::max_element(p.begin(), p.end());
  double sum = 0;
  for (auto& x : p) sum += (x = std::exp(x - top));
  for (auto& x : p) x /= sum;
  return p;
}

void TopicIndex::train(const std::vector<Example>& data, std::size_t classes) {
  weights_.assign(feature_ids_.size() * classes, 0.0);
  bias_.assign(classes, 0.0);
  // Each pass visits the examples in an order from our own seeded shuffle, so that every build
  // on every platform learns the same weights.
  std::vector<std::size_t> order(data.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  std::size_t step = 0;
  for (int epoch = 0; epoch < kTrainEpochs; ++epoch) {
    for (std::size_t i = order.size(); i > 1; --i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      std::swap(order[i - 1], order[(state >> 33) % i]);
    }
    for (const auto index : order) {
      const auto& example = data[index];
      const double rate = kTrainRate / (1.0 + static_cast<double>(step++) * kTrainDecay);
      auto gradient = classify(example.x);
      gradient[example.label] -= 1;
      for (std::size_t c = 0; c < classes; ++c) {
        const double g = rate * example.weight * gradient[c];
        bias_[c] -= g;
        for (const auto& [id, value] : example.x) {
          double& w = weights_[id * classes + c];
          w -= g * value + rate * kTrainL2 * w;
        }
      }
    }
  }
}

std::vector<TopicIndex::Example> TopicIndex::build(
    const std::vector<std::vector<std::string>>& examples,
    const std::vector<std::string>& everyday) {
  // Each question is a document, and so is each topic: all its questions and, counted
  // kKeywordRepeat times, its keywords. Each text is analysed once, for BM25 and for the
  // classifier, and only its features are kept.
  const auto post = [this](const std::string& term, std::uint32_t doc, bool topic,
                           bool standalone) {
    auto& entry = terms_[term];
    if (topic && standalone &&
        (entry.standalone_topics.empty() || entry.standalone_topics.back() != doc)) {
      entry.standalone_topics.push_back(doc);
    }
    auto& postings = topic ? entry.topics : entry.questions;
    if (!postings.empty() && postings.back().doc == doc) {
      ++postings.back().tf;
    } else {
      postings.push_back({doc, 1});
    }
  };
  // The words of a keyword phrase help rank its topic, but only the whole phrase shows that a
  // question is about it: "lost interest" says nothing about "something interesting".
  const auto add = [&](const Analysed& text, std::uint32_t doc, bool topic, bool phrase) {
    const bool standalone = !phrase || text.unigrams.size() == 1;
    for (std::size_t i = 0; i < text.unigrams.size(); ++i) {
      post(text.unigrams[i], doc, topic, standalone);
    }
    for (std::size_t i = 0; i < text.bigrams.size(); ++i) {
      post(text.bigrams[i], doc, topic, true);
    }
    return static_cast<std::uint32_t>(text.unigrams.size() + text.bigrams.size());
  };

  // The classifier numbers every term it meets and keeps each text's features. Every way of
  // asking about a topic is labelled with it; everyday requests with one more label.
  std::vector<Example> data;
  const auto learn = [&](const Analysed& text, std::uint32_t label, double weight) {
    const auto number = [this](std::string term) {
      feature_ids_.emplace(std::move(term), static_cast<std::uint32_t>(feature_ids_.size()));
    };
    for (const auto& term : text.unigrams) number(term);
    for (const auto& term : text.bigrams) number(term);
    for (const auto& word : text.words) number(said(word));
    auto x = features(text.unigrams, text.weak, text.bigrams, text.words);
    if (!x.empty()) data.push_back({std::move(x), label, weight});
  };

  const auto topic_count = static_cast<std::uint32_t>(topics_.size());
  topic_length_.assign(topic_count, 0);
  for (std::uint32_t t = 0; t < topic_count; ++t) {
    const auto ask = [&](const std::string& question) {
      const auto analysed = analyse(question, vocabulary_);
      const auto doc = static_cast<std::uint32_t>(question_topic_.size());
      question_topic_.push_back(t);
      question_length_.push_back(add(analysed, doc, false, false));
      topic_length_[t] += add(analysed, t, true, false);
      learn(analysed, t, 1.0);
    };
    for (const auto& question : topics_[t].questions) ask(question);
    for (const auto& example : examples[t]) ask(example);
    for (const auto& keyword : topics_[t].keywords) {
      const auto analysed = analyse(keyword, vocabulary_);
      for (int repeat = 0; repeat < kKeywordRepeat; ++repeat) {
        topic_length_[t] += add(analysed, t, true, true);
      }
      learn(analysed, t, kTrainKeywordWeight);
    }
  }
  for (const auto& request : everyday) learn(analyse(request, vocabulary_), topic_count, 1.0);
  const auto average = [](const std::vector<std::uint32_t>& lengths) {
    double total = 0;
    for (const auto length : lengths) total += length;
    return lengths.empty() ? 1.0 : std::max(1.0, total / static_cast<double>(lengths.size()));
  };
  average_question_length_ = average(question_length_);
  average_topic_length_ = average(topic_length_);
  for (auto& [text, term] : terms_) {
    term.question_idf = bm25_idf(question_topic_.size(), term.questions.size());
    term.topic_idf = bm25_idf(topics_.size(), term.topics.size());
  }
  max_topic_idf_ = bm25_idf(topics_.size(), 1);
  return data;
}

std::optional<std::string> TopicIndex::without_carrier(std::string_view utterance) const {
  const auto text = normalize(utterance);
  for (const auto& carrier : vocabulary_.carriers) {
    if (text.size() > carrier.size() + 1 && text.starts_with(carrier) &&
        text[carrier.size()] == ' ') {
      return text.substr(carrier.size() + 1);
    }
  }
  return std::nullopt;
}

bool TopicIndex::asks(std::string_view utterance) const {
  const auto words = tokenize(normalize(utterance));
  const auto* opening = opening_word(words, vocabulary_);
  return opening != nullptr && vocabulary_.openers.count(*opening) != 0;
}

bool TopicIndex::asks_a_topic(std::string_view utterance) const {
  return asks(utterance) && best(utterance).has_value();
}

const TopicInfo* TopicIndex::find(std::string_view id) const {
  const auto it = std::find_if(topics_.begin(), topics_.end(),
                               [&](const TopicInfo& topic) { return topic.id == id; });
  return it == topics_.end() ? nullptr : &*it;
}

TopicIndex::Scored TopicIndex::score(std::string_view utterance) const {
  const auto query = analyse(utterance, vocabulary_);
  Scored scored;
  scored.scores.assign(topics_.size(), 0.0);
  scored.explained.assign(topics_.size(), 0.0);
  std::vector<double> question_scores(question_topic_.size(), 0.0);
  std::vector<double> topic_scores(topics_.size(), 0.0);

  std::vector<const Term*> seen;
  const auto accumulate = [&](const Term& term, double factor) {
    if (std::find(seen.begin(), seen.end(), &term) != seen.end()) return false;
    seen.push_back(&term);
    for (const auto& p : term.questions) {
      question_scores[p.doc] +=
          factor * term.question_idf *
          bm25_tf(p.tf, question_length_[p.doc], average_question_length_, kQuestionB);
    }
    for (const auto& p : term.topics) {
      topic_scores[p.doc] += factor * term.topic_idf *
                             bm25_tf(p.tf, topic_length_[p.doc], average_topic_length_, kTopicB);
    }
    return true;
  };
  std::vector<const Term*> bigram_terms(query.bigrams.size(), nullptr);
  for (std::size_t i = 0; i < query.bigrams.size(); ++i) {
    if (const auto it = terms_.find(query.bigrams[i]); it != terms_.end()) {
      bigram_terms[i] = &it->second;
      accumulate(it->second, kBigramFactor);
    }
  }
  for (std::size_t i = 0; i < query.unigrams.size(); ++i) {
    if (const auto it = terms_.find(query.unigrams[i]); it != terms_.end()) {
      accumulate(it->second, query.weak[i] ? kWeakFactor : 1.0);
    }
  }
  // Each content word weighs 1 when the index does not know it, and less the more topics share
  // it. A topic explains a word that it uses alone or in a phrase with a neighbour; a question is
  // in the domain when its best topic explains most of the weight. A question of weak words
  // only ("is this bad enough to get help") is weighed the same way, each word as the phrases
  // that topics know it in.
  const auto specificity = [&](const Term* term) {
    return term == nullptr || term->standalone_topics.empty()
               ? 0.0
               : kMinSpecificity + (1 - kMinSpecificity) * term->topic_idf / max_topic_idf_;
  };
  std::vector<char> explains(topics_.size());
  const auto mark = [&](const Term* term) {
    if (term == nullptr) return;
    for (const auto t : term->standalone_topics) explains[t] = 1;
  };
  // One phrase of weak words is too little to go on ("what is the meaning of life").
  std::vector<const Term*> phrases;
  for (const auto* term : bigram_terms) {
    if (specificity(term) > 0 && std::find(phrases.begin(), phrases.end(), term) == phrases.end()) {
      phrases.push_back(term);
    }
  }
  const bool weak_only =
      std::all_of(query.weak.begin(), query.weak.end(), [](bool weak) { return weak; }) &&
      phrases.size() >= 2;
  double total_weight = 0;
  std::vector<std::string_view> weighed;
  for (std::size_t i = 0; i < query.unigrams.size(); ++i) {
    if (query.weak[i] != weak_only) continue;
    if (std::find(weighed.begin(), weighed.end(), query.unigrams[i]) != weighed.end()) continue;
    weighed.push_back(query.unigrams[i]);
    const auto it = terms_.find(query.unigrams[i]);
    const Term* term = it == terms_.end() ? nullptr : &it->second;
    const Term* before = i > 0 ? bigram_terms[i - 1] : nullptr;
    const Term* after = i < bigram_terms.size() ? bigram_terms[i] : nullptr;
    double weight = weak_only ? std::max(specificity(before), specificity(after))
                              : specificity(term);
    if (weight <= 0) {
      if (weak_only) continue;
      weight = kUnknownWeight;
    }
    total_weight += weight;
    std::fill(explains.begin(), explains.end(), 0);
    if (!weak_only) mark(term);
    mark(before);
    mark(after);
    for (std::size_t t = 0; t < topics_.size(); ++t) {
      if (explains[t] != 0) scored.explained[t] += weight;
    }
  }
  for (auto& explained : scored.explained) {
    explained = total_weight > 0 && !query.small_talk ? explained / total_weight : 0.0;
  }

  for (std::size_t d = 0; d < question_scores.size(); ++d) {
    auto& best = scored.scores[question_topic_[d]];
    best = std::max(best, question_scores[d]);
  }
  double top = 0;
  for (std::size_t t = 0; t < topics_.size(); ++t) {
    scored.scores[t] = kQuestionWeight * scored.scores[t] + topic_scores[t];
    top = std::max(top, scored.scores[t]);
  }
  // The classifier re-ranks the topics BM25 found, and may say it is an everyday request.
  const auto p = classify(features(query.unigrams, query.weak, query.bigrams, query.words));
  if (p.size() > topics_.size()) scored.everyday = p.back();
  scored.probabilities.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(topics_.size()));
  for (std::size_t t = 0; t < topics_.size(); ++t) {
    if (scored.scores[t] <= 0) continue;
    scored.scores[t] = (1 - kClassifierShare) * scored.scores[t] / top + kClassifierShare * p[t];
  }
  return scored;
}

double TopicIndex::confidence(const Scored& scored, std::size_t topic, double rival) const {
  const double score = scored.scores[topic];
  const double explained = scored.explained[topic];
  // A topic that accounts for no more than about half of what was said is a guess, however it
  // ranks: "play some music" shares one word with coping strategies.
  if (score <= 0 || explained < kMinExplained) return 0;
  const double separation = std::clamp((score - rival) / score, 0.0, 1.0);
  return std::clamp(explained * (kSeparationFloor + (1 - kSeparationFloor) * separation), 0.0, 1.0);
}

std::vector<TopicMatch> TopicIndex::ranked(std::string_view utterance, std::size_t n) const {
  const auto scored = score(utterance);
  std::vector<std::size_t> order(topics_.size());
  for (std::size_t t = 0; t < order.size(); ++t) order[t] = t;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return scored.scores[a] > scored.scores[b];
  });
  std::vector<TopicMatch> out;
  for (std::size_t rank = 0; rank < order.size() && out.size() < n; ++rank) {
    const std::size_t t = order[rank];
    if (scored.scores[t] <= 0) break;
    // The best topic is measured against the runner-up, every other one against the best.
    const double rival =
        rank == 0 ? (order.size() > 1 ? scored.scores[order[1]] : 0.0) : scored.scores[order[0]];
    out.push_back({topics_[t].id, scored.scores[t], confidence(scored, t, rival)});
  }
  return out;
}

std::optional<TopicMatch> TopicIndex::best(std::string_view utterance) const {
  // Only a topic that explains what was said can be the answer: one that merely ranks first on
  // weak words ("should i try counselling" shares "try" with coping strategies) steps aside for
  // the best topic that does, which is then measured against the strongest other topic.
  const auto scored = score(utterance);
  std::optional<std::size_t> chosen;
  for (std::size_t t = 0; t < topics_.size(); ++t) {
    if (scored.scores[t] <= 0 || scored.explained[t] < kMinExplained) continue;
    if (!chosen || scored.scores[t] > scored.scores[*chosen]) chosen = t;
  }
  if (!chosen) return std::nullopt;
  if (scored.everyday >= kEverydayVeto &&
      scored.everyday >= kEverydayShare * scored.probabilities[*chosen]) {
    return std::nullopt;
  }
  double rival = 0;
  for (std::size_t t = 0; t < topics_.size(); ++t) {
    if (t != *chosen) rival = std::max(rival, scored.scores[t]);
  }
  TopicMatch match{topics_[*chosen].id, scored.scores[*chosen],
                   confidence(scored, *chosen, rival)};
  if (match.confidence < kMinConfidence) return std::nullopt;
  return match;
}

}  // namespace feel::intents
