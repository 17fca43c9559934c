#pragma once

// Building SSML that is always well-formed and inside Alexa's rules (ALEXA.md section 3).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace feel::skill {

// XML-escapes text. Idempotent: an existing character or entity reference
// (&amp; &lt; &gt; &quot; &apos; &#NN; &#xHH;) is left as it is, so escaping twice changes
// nothing. Invalid UTF-8 is replaced by U+FFFD and control characters are dropped (tab and
// line breaks become spaces). A reference to a character XML forbids (&#0; &#x1F;) is not
// a valid reference, so its & is escaped like any other.
[[nodiscard]] std::string escape_xml(std::string_view text);

// A fragment of SSML (the inside of <speak>). Text from users or variables goes in through
// text(), which escapes it; words from speech-content/ go in through trusted(), which is
// checked for well-formedness when content is loaded.
class Ssml {
 public:
  Ssml() = default;
  [[nodiscard]] static Ssml from_text(std::string_view plain);
  [[nodiscard]] static Ssml from_trusted(std::string_view fragment);

  Ssml& text(std::string_view plain);
  Ssml& trusted(std::string_view fragment);
  // A pause of any length; pauses over 10 s become chained <break/>s of at most 10 s.
  Ssml& pause(std::chrono::milliseconds length);
  // Appends another fragment as a separate sentence: a space goes between them unless one
  // side already has it. text() and trusted() append exactly what they are given.
  Ssml& append(const Ssml& other);

  [[nodiscard]] const std::string& inner() const { return inner_; }
  [[nodiscard]] bool empty() const { return inner_.empty(); }
  // Wrapped in <speak>...</speak>.
  [[nodiscard]] std::string speak() const;

 private:
  std::string inner_;
};

// The words a listener would hear: tags removed, entities decoded, space collapsed.
[[nodiscard]] std::string ssml_to_plain_text(std::string_view ssml);

// True when the fragment (or a whole <speak> document) is well-formed XML with known SSML
// elements only and no <break> longer than 10 s. On false, *why says what is wrong.
[[nodiscard]] bool ssml_well_formed(std::string_view ssml, std::string* why = nullptr);

// Shortens SSML to at most max_chars characters by removing whole sentences, keeping the
// final sentence (the question that keeps a session open) and closing any open element.
// Returns the input unchanged when it already fits.
// Characters are counted as Unicode code points (utf8_length), the unit of Alexa's limits.
// A single sentence too long on its own is cut at a word boundary and ends with "…"; the
// result is always at most max_chars and well-formed (empty if not even the open elements fit).
[[nodiscard]] std::string shorten_ssml(std::string_view ssml, std::size_t max_chars);

// The final sentence of ssml (normally the question) with the elements around it kept, so
// it is well-formed on its own: the reprompt of last resort.
[[nodiscard]] std::string final_sentence(std::string_view ssml);

// UTF-8 as Alexa accepts it: no overlong forms, no surrogates, nothing above U+10FFFF.
[[nodiscard]] bool is_valid_utf8(std::string_view text);
// Replaces each invalid sequence (each maximal invalid subpart) with U+FFFD.
[[nodiscard]] std::string to_valid_utf8(std::string_view text);
// The length in Unicode code points; an invalid sequence counts as the one U+FFFD it becomes.
[[nodiscard]] std::size_t utf8_length(std::string_view text);

// Reading tags: a tag's name ("break", "/prosody"), an attribute's value (empty when absent),
// and a break's length as Alexa plays it (time="4s" or "500ms", else its strength).
[[nodiscard]] std::string ssml_tag_name(std::string_view tag);
[[nodiscard]] std::string ssml_attribute(std::string_view tag, std::string_view name);
[[nodiscard]] long ssml_break_milliseconds(std::string_view tag);

// How long Alexa takes to say some SSML, estimated: each word at kWordsPerSecond scaled by the
// prosody rates around it, plus every break. pauses are the silences in order, adjacent breaks
// added up (a 15 s pause chained as 10 s and 5 s is one pause of 15).
inline constexpr double kWordsPerSecond = 2.6;  // Alexa's default voice, about 155 words a minute
struct SpokenTiming {
  double speech_seconds = 0;
  double silence_seconds = 0;
  std::vector<double> pauses;
  [[nodiscard]] double total() const { return speech_seconds + silence_seconds; }
};
[[nodiscard]] SpokenTiming spoken_timing(std::string_view ssml);

}  // namespace feel::skill
