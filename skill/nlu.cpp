#include "skill/nlu.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <utility>

namespace feel::skill {
namespace {

constexpr const char* kFallback = "AMAZON.FallbackIntent";

// Words that may join the invocation name to a request ("ask feel again to ..."); Alexa drops
// them before matching.
constexpr std::string_view kConnectors[] = {"to", "and", "for", "if", "whether", "that"};

bool is_word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// How good a slot capture is, for choosing between samples that fit equally well otherwise.
int capture_quality(const HeardSlot& slot) {
  if (!slot.value) return 3;
  switch (slot.resolution) {
    case MatchStatus::match:
      return 3;
    case MatchStatus::none:
      return 2;
    case MatchStatus::no_match:
      return 1;
  }
  return 1;
}

std::string join(const std::vector<std::string>& words, std::size_t from, std::size_t to) {
  std::string out;
  for (auto i = from; i < to; ++i) {
    if (!out.empty()) out += ' ';
    out += words[i];
  }
  return out;
}

}  // namespace

std::string normalize_utterance(std::string_view text) {
  // Curly apostrophes become straight ones first, so "can’t" and "can't" are one word.
  std::string plain;
  plain.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "\xE2\x80\x99") == 0 || text.compare(i, 3, "\xE2\x80\x98") == 0) {
      plain += '\'';
      i += 2;
    } else {
      plain += text[i];
    }
  }
  std::string out;
  out.reserve(plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const auto c = static_cast<unsigned char>(plain[i]);
    const bool inner_apostrophe = c == '\'' && i > 0 && i + 1 < plain.size() &&
                                  is_word_char(static_cast<unsigned char>(plain[i - 1])) &&
                                  is_word_char(static_cast<unsigned char>(plain[i + 1]));
    if (is_word_char(c) || inner_apostrophe) {
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> split_words(std::string_view normalized) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < normalized.size()) {
    const auto space = normalized.find(' ', pos);
    const auto end = space == std::string_view::npos ? normalized.size() : space;
    if (end > pos) words.emplace_back(normalized.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}

std::optional<std::vector<SamplePart>> parse_sample(std::string_view sample) {
  std::vector<SamplePart> parts;
  std::size_t pos = 0;
  while (pos < sample.size()) {
    const auto open = sample.find('{', pos);
    const auto close_before = sample.find('}', pos);
    if (close_before < open) return std::nullopt;  // a '}' with no '{'
    if (open == std::string_view::npos) {
      parts.push_back({std::string(sample.substr(pos)), false});
      break;
    }
    if (open > pos) parts.push_back({std::string(sample.substr(pos, open - pos)), false});
    const auto close = sample.find('}', open);
    if (close == std::string_view::npos) return std::nullopt;
    const auto name = sample.substr(open + 1, close - open - 1);
    if (name.empty() || name.find('{') != std::string_view::npos) return std::nullopt;
    parts.push_back({std::string(name), true});
    pos = close + 1;
  }
  return parts;
}

std::string sample_shape(std::string_view sample) {
  const auto parts = parse_sample(sample);
  if (!parts) return normalize_utterance(sample);
  std::string out;
  for (const auto& part : *parts) {
    const auto text = part.is_slot ? std::string("{}") : normalize_utterance(part.text);
    if (text.empty()) continue;
    if (!out.empty()) out += ' ';
    out += text;
  }
  return out;
}

const HeardSlot* Understanding::slot(std::string_view name) const {
  const auto it =
      std::find_if(slots.begin(), slots.end(), [&](const HeardSlot& s) { return s.name == name; });
  return it == slots.end() ? nullptr : &*it;
}

Nlu::Nlu(InteractionModel model, BuiltinPhrases phrases)
    : model_(std::move(model)),
      phrases_(std::move(phrases)),
      invocation_words_(split_words(normalize_utterance(model_.invocation_name))) {
  for (std::size_t i = 0; i < model_.intents.size(); ++i) {
    for (const auto& sample : model_.intents[i].samples) add_sample(i, sample);
  }
  // Built-in intents are understood without samples, but only when the model declares them:
  // Alexa never sends an intent a skill's model lacks.
  for (std::size_t i = 0; i < model_.intents.size(); ++i) {
    const auto it = phrases_.intents.find(model_.intents[i].name);
    if (it == phrases_.intents.end()) continue;
    for (const auto& phrase : it->second) add_sample(i, phrase);
  }
}

void Nlu::add_sample(std::size_t intent, const std::string& text) {
  const auto parts = parse_sample(text);
  if (!parts) return;  // `feel-again check` reports it; here it simply never matches
  Sample sample;
  sample.intent = intent;
  sample.text = text;
  const auto& declared = model_.intents[intent];
  for (const auto& part : *parts) {
    if (part.is_slot) {
      const auto it = std::find_if(declared.slots.begin(), declared.slots.end(),
                                   [&](const ModelSlot& s) { return s.name == part.text; });
      if (it == declared.slots.end()) return;  // an undeclared slot: the sample is broken
      sample.pieces.push_back({{}, static_cast<std::size_t>(it - declared.slots.begin())});
      continue;
    }
    for (auto& word : split_words(normalize_utterance(part.text))) {
      sample.pieces.push_back({std::move(word), npos});
      ++sample.literal_words;
    }
  }
  if (!sample.pieces.empty()) samples_.push_back(std::move(sample));
}

std::optional<int> spoken_number(std::string_view words) {
  static const std::vector<std::string_view> kUnits = {
      "zero",    "one",     "two",       "three",    "four",     "five",    "six",
      "seven",   "eight",   "nine",      "ten",      "eleven",   "twelve",  "thirteen",
      "fourteen", "fifteen", "sixteen",  "seventeen", "eighteen", "nineteen"};
  static const std::vector<std::string_view> kTens = {"",      "",      "twenty",  "thirty", "forty",
                                                      "fifty", "sixty", "seventy", "eighty", "ninety"};
  if (!words.empty() && words.size() <= 6 &&
      std::all_of(words.begin(), words.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::stoi(std::string(words));
  }
  int total = 0;
  bool any = false;
  std::size_t start = 0;
  while (start < words.size()) {
    auto end = words.find_first_of(" -", start);
    if (end == std::string_view::npos) end = words.size();
    const auto word = words.substr(start, end - start);
    start = end + 1;
    if (word.empty() || word == "and") continue;
    const auto unit = std::find(kUnits.begin(), kUnits.end(), word);
    const auto ten = std::find(kTens.begin() + 2, kTens.end(), word);
    if (unit != kUnits.end()) {
      total += static_cast<int>(unit - kUnits.begin());
    } else if (ten != kTens.end()) {
      total += 10 * static_cast<int>(ten - kTens.begin());
    } else if (word == "hundred" && any) {
      total *= 100;
    } else {
      return std::nullopt;
    }
    any = true;
  }
  return any ? std::optional<int>(total) : std::nullopt;
}

std::optional<std::string> spoken_time(std::string_view words) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : std::string(words) + " ") {
    if (c == ' ' || c == ':') {
      if (!part.empty()) parts.push_back(part);
      part.clear();
    } else if (c != '.') {
      part += c;
    }
  }
  bool pm = false;
  bool am = false;
  if (!parts.empty() && (parts.back() == "pm" || parts.back() == "am")) {
    pm = parts.back() == "pm";
    am = !pm;
    parts.pop_back();
  }
  int hour = -1;
  int minute = 0;
  if (parts.size() >= 3 && parts[0] == "half" && parts[1] == "past") {
    const auto h = spoken_number(parts[2]);
    if (!h) return std::nullopt;
    hour = *h;
    minute = 30;
  } else if (!parts.empty()) {
    const auto h = spoken_number(parts[0]);
    if (!h) return std::nullopt;
    hour = *h;
    if (parts.size() > 1 && parts[1] != "o'clock") {
      std::string rest;
      for (std::size_t i = 1; i < parts.size(); ++i) rest += (i > 1 ? " " : "") + parts[i];
      const auto m = spoken_number(rest);
      if (!m) return std::nullopt;
      minute = *m;
    }
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return std::nullopt;
  if (pm && hour < 12) hour += 12;
  if (am && hour == 12) hour = 0;
  char text[8];
  std::snprintf(text, sizeof text, "%02d:%02d", hour, minute);
  return std::string(text);
}

HeardSlot Nlu::hear(const ModelSlot& slot, const std::string& words) const {
  HeardSlot heard{slot.name, slot.type, words, MatchStatus::none, {}, {}};
  // Alexa sends AMAZON.TIME as "21:30".
  if (slot.type == "AMAZON.TIME") {
    if (const auto time = spoken_time(words)) {
      heard.value = *time;
      heard.resolution = MatchStatus::match;
      heard.id = *time;
    }
    return heard;
  }
  // Alexa sends AMAZON.NUMBER as digits ("two" arrives as "2"), or "?" when it is not a number.
  if (slot.type == "AMAZON.NUMBER") {
    const auto number = spoken_number(words);
    heard.value = number ? std::to_string(*number) : "?";
    heard.resolution = number ? MatchStatus::match : MatchStatus::no_match;
    if (number) heard.id = *heard.value;
    return heard;
  }
  const auto* type = model_.type(slot.type);
  if (type == nullptr) return heard;  // an Amazon type: taken as heard
  heard.resolution = MatchStatus::no_match;
  for (const auto& value : type->values) {
    bool found = normalize_utterance(value.value) == words;
    for (const auto& synonym : value.synonyms) {
      if (found) break;
      found = normalize_utterance(synonym) == words;
    }
    if (found) {
      heard.resolution = MatchStatus::match;
      heard.id = value.id;
      heard.resolved_name = value.value;
      break;
    }
  }
  return heard;
}

Understanding Nlu::match(const std::vector<std::string>& words) const {
  struct Best {
    std::size_t literal = 0;
    int quality = 0;
    const Sample* sample = nullptr;
    std::vector<HeardSlot> slots;
  } best;

  for (const auto& sample : samples_) {
    if (sample.literal_words > words.size()) continue;
    if (best.sample != nullptr && sample.literal_words < best.literal) continue;
    const auto& intent = model_.intents[sample.intent];
    // Try every way of giving the slots one or more words each; keep the best captures.
    std::vector<std::pair<std::size_t, std::size_t>> spans(intent.slots.size(), {0, 0});
    int sample_quality = 0;
    std::vector<HeardSlot> sample_slots;
    std::function<void(std::size_t, std::size_t)> walk = [&](std::size_t piece, std::size_t word) {
      if (piece == sample.pieces.size()) {
        if (word != words.size()) return;
        std::vector<HeardSlot> heard;
        int quality = 3;
        for (std::size_t s = 0; s < intent.slots.size(); ++s) {
          if (spans[s].second > spans[s].first) {
            heard.push_back(hear(intent.slots[s], join(words, spans[s].first, spans[s].second)));
          } else {
            heard.push_back({intent.slots[s].name,
                             intent.slots[s].type,
                             std::nullopt,
                             MatchStatus::none,
                             {},
                             {}});
          }
          quality = std::min(quality, capture_quality(heard.back()));
        }
        // A sample of nothing but slots explains nothing by itself: unless every value is one
        // the model knows, Alexa hears something out of the skill's domain (the fallback).
        if (sample.literal_words == 0 && quality < 3) return;
        if (quality > sample_quality) {
          sample_quality = quality;
          sample_slots = std::move(heard);
        }
        return;
      }
      const auto& current = sample.pieces[piece];
      if (current.slot == npos) {
        if (word < words.size() && words[word] == current.word) walk(piece + 1, word + 1);
        return;
      }
      for (auto end = word + 1; end <= words.size(); ++end) {
        spans[current.slot] = {word, end};
        walk(piece + 1, end);
      }
      spans[current.slot] = {0, 0};
    };
    walk(0, 0);
    if (sample_quality == 0) continue;
    const bool better = best.sample == nullptr || sample.literal_words > best.literal ||
                        (sample.literal_words == best.literal && sample_quality > best.quality);
    if (better) best = {sample.literal_words, sample_quality, &sample, std::move(sample_slots)};
  }

  Understanding understanding;
  if (best.sample == nullptr) {
    understanding.intent = kFallback;
    if (const auto* fallback = model_.intent(kFallback)) {
      for (const auto& slot : fallback->slots) {
        understanding.slots.push_back(
            {slot.name, slot.type, std::nullopt, MatchStatus::none, {}, {}});
      }
    }
    return understanding;
  }
  understanding.intent = model_.intents[best.sample->intent].name;
  understanding.slots = std::move(best.slots);
  understanding.matched = best.sample->text;
  return understanding;
}

std::size_t Nlu::launch_prefix(const std::vector<std::string>& words) const {
  if (invocation_words_.empty()) return 0;
  for (const auto& launch : phrases_.launch_words) {
    const auto launch_words = split_words(normalize_utterance(launch));
    const auto length = launch_words.size() + invocation_words_.size();
    if (launch_words.empty() || words.size() < length) continue;
    if (std::equal(launch_words.begin(), launch_words.end(), words.begin()) &&
        std::equal(invocation_words_.begin(), invocation_words_.end(),
                   words.begin() + static_cast<std::ptrdiff_t>(launch_words.size()))) {
      return length;
    }
  }
  return 0;
}

Understanding Nlu::understand(std::string_view utterance) const {
  auto words = split_words(normalize_utterance(utterance));
  // "Alexa, ..." typed out of habit: the wake word never reaches a skill.
  if (!words.empty() && words.front() == "alexa") words.erase(words.begin());
  if (words.empty()) {
    Understanding silence;
    silence.kind = RequestKind::silence;
    return silence;
  }
  if (const auto prefix = launch_prefix(words); prefix > 0) {
    words.erase(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(prefix));
    if (!words.empty() && std::find(std::begin(kConnectors), std::end(kConnectors),
                                    words.front()) != std::end(kConnectors)) {
      words.erase(words.begin());
    }
    Understanding understanding;
    if (words.empty()) {
      understanding.kind = RequestKind::launch;
    } else {
      understanding = match(words);
    }
    understanding.new_session = true;
    return understanding;
  }
  const auto said = join(words, 0, words.size());
  for (const auto& phrase : phrases_.exit_phrases) {
    if (normalize_utterance(phrase) == said) {
      Understanding end;
      end.kind = RequestKind::session_end;
      end.matched = phrase;
      return end;
    }
  }
  return match(words);
}

}  // namespace feel::skill
