#include "skill/response.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace feel::skill {
namespace {

using nlohmann::json;

void write_json(std::string& out, const json& j);

// Most of a response is text that needs no escaping; nlohmann's dump decodes every byte of it
// and was a quarter of a request's own time. Strings that are valid UTF-8 (all of ours: the
// content, escaped user text, attributes parsed from a validated body) are copied in runs.
void write_string(std::string& out, const std::string& text) {
  if (!is_valid_utf8(text)) {
    out += json(text).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c != '"' && c != '\\' && c >= 0x20) continue;
    out.append(text, run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(text, run, std::string::npos);
  out += '"';
}

void write_json(std::string& out, const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : j.items()) {
        if (!first) out += ',';
        first = false;
        write_string(out, key);
        out += ':';
        write_json(out, value);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& value : j) {
        if (!first) out += ',';
        first = false;
        write_json(out, value);
      }
      out += ']';
      return;
    }
    case json::value_t::string:
      write_string(out, j.get_ref<const std::string&>());
      return;
    default:  // numbers, booleans and null, formatted exactly as nlohmann does
      out += j.dump();
  }
}

// The same text as j.dump() with invalid UTF-8 replaced, faster.
[[nodiscard]] std::string serialize(const json& j) {
  std::string out;
  out.reserve(4096);  // most responses fit; growing by doubling costs more than the slack
  write_json(out, j);
  return out;
}

// Bytes bound code points from above, so short text needs no counting.
[[nodiscard]] bool within_chars(std::string_view text, std::size_t max_chars) {
  return text.size() <= max_chars || utf8_length(text) <= max_chars;
}

// The bytes a string takes in the serialised body, quotes and escapes included.
[[nodiscard]] std::size_t json_string_bytes(const std::string& s) {
  return serialize(json(s)).size();
}

[[nodiscard]] std::string valid_utf8(std::string s) {
  if (is_valid_utf8(s)) return s;
  return to_valid_utf8(s);
}

[[nodiscard]] constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The byte offset after the first `chars` code points of valid UTF-8.
[[nodiscard]] std::size_t offset_of_char(std::string_view text, std::size_t chars) {
  std::size_t i = 0;
  while (i < text.size()) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == 0) break;
      --chars;
    }
    ++i;
  }
  return i;
}

// Plain text (a card) cut to max_chars: at the last sentence end when that keeps at least
// half, else at a word boundary with an ellipsis.
[[nodiscard]] std::string cut_plain_text(const std::string& text, std::size_t max_chars) {
  if (utf8_length(text) <= max_chars) return text;
  if (max_chars == 0) return {};
  const std::size_t limit = offset_of_char(text, max_chars);
  for (std::size_t p = limit; p > 0; --p) {
    const char c = text[p - 1];
    if ((c == '.' || c == '!' || c == '?') && (p == text.size() || is_space(text[p]))) {
      if (utf8_length(std::string_view(text).substr(0, p)) >= max_chars / 2) {
        return text.substr(0, p);
      }
      break;
    }
  }
  const std::size_t room = offset_of_char(text, max_chars - 1);  // one left for the ellipsis
  std::size_t cut = room;
  if (!is_space(text[room])) {
    while (cut > 0 && !is_space(text[cut - 1])) --cut;
    if (cut == 0) cut = room;  // one giant word
  }
  while (cut > 0 && is_space(text[cut - 1])) --cut;
  return text.substr(0, cut) + "\xE2\x80\xA6";
}

[[nodiscard]] json speech_json(std::string ssml) {
  return {{"type", "SSML"}, {"ssml", std::move(ssml)}};
}

void note(std::vector<std::string>& adjustments, std::string_view what, std::size_t from,
          std::size_t to, std::string_view why = {}) {
  std::string line(what);
  line += " shortened from " + std::to_string(from) + " to " + std::to_string(to) + " characters";
  line += why;
  adjustments.push_back(std::move(line));
}

[[nodiscard]] std::string limit_ssml(std::string ssml, std::size_t max_chars, std::string_view what,
                                     std::vector<std::string>& adjustments) {
  if (within_chars(ssml, max_chars)) return ssml;
  const std::size_t length = utf8_length(ssml);
  std::string shorter = shorten_ssml(ssml, max_chars);
  note(adjustments, what, length, utf8_length(shorter));
  return shorter;
}

// The key holding a card's body text, if the card has one.
[[nodiscard]] const char* card_text_key(const json& card) {
  const auto type = card.find("type");
  if (type == card.end() || !type->is_string()) return nullptr;
  if (*type == "Simple") return "content";
  if (*type == "Standard") return "text";
  return nullptr;
}

// Alexa counts a card's title and text together against its limit.
void limit_card(json& card, std::size_t max_chars, std::vector<std::string>& adjustments) {
  const char* key = card_text_key(card);
  if (key == nullptr) return;
  auto& title = card["title"].get_ref<std::string&>();
  auto& text = card[key].get_ref<std::string&>();
  if (title.size() + text.size() <= max_chars) return;
  const std::size_t title_length = utf8_length(title);
  const std::size_t text_length = utf8_length(text);
  if (title_length + text_length <= max_chars) return;
  // A title is only cut when it is itself large; the text gives way first.
  const std::size_t title_floor = max_chars / 4;
  if (title_length > title_floor) {
    const std::size_t title_max =
        std::max(title_floor, max_chars > text_length ? max_chars - text_length : 0);
    if (title_length > title_max) {
      title = cut_plain_text(title, title_max);
      note(adjustments, "card title", title_length, utf8_length(title));
    }
  }
  const std::size_t text_max = max_chars - std::min(max_chars, utf8_length(title));
  if (text_length > text_max) {
    text = cut_plain_text(text, text_max);
    note(adjustments, "card text", text_length, utf8_length(text));
  }
}

// The largest `chars` in [lo, hi] for which make(chars) fits in budget bytes of JSON; lo is
// known to fit.
template <typename Make>
[[nodiscard]] std::string largest_fitting(Make make, std::size_t lo, std::size_t hi,
                                          std::size_t budget) {
  std::string best = make(lo);
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo + 1) / 2;
    std::string candidate = make(mid);
    if (json_string_bytes(candidate) <= budget) {
      lo = mid;
      best = std::move(candidate);
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

class SizeEnforcer {
 public:
  SizeEnforcer(json& body, std::size_t limit, std::vector<std::string>& adjustments)
      : body_(body),
        limit_(limit),
        adjustments_(adjustments),
        why_(" to keep the response under " + std::to_string(limit) + " bytes") {}

  // Returns the serialised body when it fitted at once (the usual case), so that it is
  // serialised only once; empty when the body was changed and must be serialised again.
  std::string run() {
    if (std::string text = serialize(body_); text.size() <= limit_) return text;
    run_over_limit();
    return {};
  }

 private:
  void run_over_limit() {
    shrink_card_text();
    if (fits()) return;
    // Shortening speech only helps if its final question can stay; otherwise the directives
    // are what is too big, and the speech is left whole.
    json& response = body_["response"];
    const json saved_speech = response.value("outputSpeech", json());
    const json saved_reprompt = response.value("reprompt", json());
    std::vector<std::string> speech_notes;
    const bool speech_was_enough = shrink_speech(speech_notes);
    if (speech_was_enough) {
      commit(speech_notes);
      return;
    }
    restore(response, "outputSpeech", saved_speech);
    restore(response, "reprompt", saved_reprompt);
    if (response.contains("directives")) {
      adjustments_.push_back(std::to_string(response["directives"].size()) +
                             " directive(s) dropped" + why_);
      response.erase("directives");
      if (fits()) return;
      speech_notes.clear();
      const bool fits_now = shrink_speech(speech_notes);
      commit(speech_notes);
      if (fits_now) return;
    }
    adjustments_.push_back("the response is still " + std::to_string(size()) +
                           " bytes, over the limit of " + std::to_string(limit_) + " bytes");
  }

  [[nodiscard]] std::size_t size() const { return serialize(body_).size(); }
  [[nodiscard]] bool fits() const { return size() <= limit_; }
  // What a string may take once the rest of the body is accounted for.
  [[nodiscard]] std::size_t budget_for(const std::string& s) const {
    const std::size_t over = size() - limit_;
    const std::size_t bytes = json_string_bytes(s);
    return bytes > over ? bytes - over : 0;
  }

  static void restore(json& response, const char* key, const json& saved) {
    if (!saved.is_null()) response[key] = saved;
  }

  void commit(std::vector<std::string>& notes) {
    for (auto& line : notes) adjustments_.push_back(std::move(line));
  }

  void shrink_card_text() {
    json& response = body_["response"];
    const auto card = response.find("card");
    if (card == response.end() || !card->is_object()) return;
    const char* key = card_text_key(*card);
    if (key == nullptr || !(*card)[key].is_string()) return;
    std::string& text = (*card)[key].get_ref<std::string&>();
    if (text.empty()) return;
    const std::size_t budget = budget_for(text);
    const std::size_t length = utf8_length(text);
    const std::string original = text;
    text = largest_fitting([&](std::size_t n) { return cut_plain_text(original, n); }, 0, length,
                           budget);
    note(adjustments_, "card text", length, utf8_length(text), why_);
  }

  // Shortens the speech, then the reprompt, never below their final sentences. True when
  // the body then fits.
  [[nodiscard]] bool shrink_speech(std::vector<std::string>& notes) {
    json& response = body_["response"];
    const std::array<std::pair<json*, const char*>, 2> parts{
        {{response.contains("outputSpeech") ? &response["outputSpeech"] : nullptr, "speech"},
         {response.contains("reprompt") ? &response["reprompt"]["outputSpeech"] : nullptr,
          "reprompt"}}};
    for (const auto& [speech, what] : parts) {
      if (fits()) return true;
      if (speech == nullptr || !(*speech)["ssml"].is_string()) continue;
      std::string& ssml = (*speech)["ssml"].get_ref<std::string&>();
      const std::size_t budget = budget_for(ssml);
      const std::size_t length = utf8_length(ssml);
      const std::string original = ssml;
      const std::string least = final_sentence(original);
      const std::size_t least_length = utf8_length(least);
      if (least_length >= length) continue;
      if (json_string_bytes(least) > budget) {
        ssml = least;  // not enough alone; the next part may make up the rest
      } else {
        ssml = largest_fitting([&](std::size_t n) { return shorten_ssml(original, n); },
                               least_length, length, budget);
      }
      note(notes, what, length, utf8_length(ssml), why_);
    }
    return fits();
  }

  json& body_;
  std::size_t limit_;
  std::vector<std::string>& adjustments_;
  std::string why_;
};

}  // namespace

bool Response::ends_session() const {
  const auto response = body.find("response");
  if (response == body.end() || !response->is_object()) return true;
  const auto end = response->find("shouldEndSession");
  // Left out, the session ends on a speaker; only an explicit false keeps it open for sure.
  return end == response->end() || !end->is_boolean() || end->get<bool>();
}

ResponseBuilder& ResponseBuilder::speak(const Ssml& speech) {
  speech_ = speech;
  return *this;
}

ResponseBuilder& ResponseBuilder::ask(const Ssml& reprompt) {
  reprompt_ = reprompt;
  end_session_ = false;
  return *this;
}

ResponseBuilder& ResponseBuilder::simple_card(std::string title, std::string content) {
  card_ = {{"type", "Simple"},
           {"title", valid_utf8(std::move(title))},
           {"content", valid_utf8(std::move(content))}};
  return *this;
}

ResponseBuilder& ResponseBuilder::standard_card(std::string title, std::string text,
                                                std::string small_image_url,
                                                std::string large_image_url) {
  card_ = {{"type", "Standard"},
           {"title", valid_utf8(std::move(title))},
           {"text", valid_utf8(std::move(text))}};
  json image = json::object();
  if (!small_image_url.empty()) image["smallImageUrl"] = valid_utf8(std::move(small_image_url));
  if (!large_image_url.empty()) image["largeImageUrl"] = valid_utf8(std::move(large_image_url));
  if (!image.empty()) card_["image"] = std::move(image);
  return *this;
}

ResponseBuilder& ResponseBuilder::permissions_card(std::vector<std::string> permissions) {
  json list = json::array();
  for (auto& permission : permissions) list.push_back(valid_utf8(std::move(permission)));
  card_ = {{"type", "AskForPermissionsConsent"}, {"permissions", std::move(list)}};
  return *this;
}

ResponseBuilder& ResponseBuilder::directive(nlohmann::json directive) {
  directives_.push_back(std::move(directive));
  return *this;
}

ResponseBuilder& ResponseBuilder::session_attributes(nlohmann::json attributes) {
  attributes_ = std::move(attributes);
  return *this;
}

ResponseBuilder& ResponseBuilder::end_session(std::optional<bool> end) {
  end_session_ = end;
  return *this;
}

ResponseBuilder& ResponseBuilder::can_fulfill(nlohmann::json can_fulfill_intent) {
  can_fulfill_ = std::move(can_fulfill_intent);
  return *this;
}

Response ResponseBuilder::build(const Limits& limits) const {
  Response out;
  std::vector<std::string>& adjustments = out.adjustments;
  std::optional<bool> end = end_session_;

  std::optional<std::string> speech;
  if (speech_ && !speech_->empty()) {
    speech = limit_ssml(speech_->speak(), limits.speech_chars, "speech", adjustments);
  }
  std::optional<std::string> reprompt;
  if (reprompt_ && !reprompt_->empty()) {
    reprompt = limit_ssml(reprompt_->speak(), limits.reprompt_chars, "reprompt", adjustments);
  }
  // Certification fails an open microphone with nothing to replay after silence.
  if (end == false && !reprompt) {
    if (speech) {
      reprompt =
          limit_ssml(final_sentence(*speech), limits.reprompt_chars, "reprompt", adjustments);
      adjustments.emplace_back(
          "the session was kept open without a reprompt: the final sentence of the speech is "
          "the reprompt");
    } else if (directives_.empty()) {
      end = true;
      adjustments.emplace_back(
          "the session was kept open with nothing said and no directive: it is ended instead");
    }
  }

  json card = card_;
  if (card.is_object()) limit_card(card, limits.card_chars, adjustments);

  json response = json::object();
  if (speech) response["outputSpeech"] = speech_json(std::move(*speech));
  if (reprompt) response["reprompt"] = {{"outputSpeech", speech_json(std::move(*reprompt))}};
  if (card.is_object()) response["card"] = std::move(card);
  if (!directives_.empty()) response["directives"] = directives_;
  if (!can_fulfill_.is_null()) response["canFulfillIntent"] = can_fulfill_;
  if (end) response["shouldEndSession"] = *end;

  json body = {{"version", "1.0"}};
  if (!attributes_.is_object()) {
    adjustments.emplace_back("session attributes were not a JSON object and were left out");
  } else if (!attributes_.empty()) {
    body["sessionAttributes"] = attributes_;
  }
  body["response"] = std::move(response);

  out.text = SizeEnforcer(body, limits.response_bytes, adjustments).run();
  if (out.text.empty()) out.text = serialize(body);
  out.body = std::move(body);
  return out;
}

Response empty_response() {
  Response out;
  out.body = {{"version", "1.0"}, {"response", json::object()}};
  out.text = serialize(out.body);
  return out;
}

}  // namespace feel::skill
