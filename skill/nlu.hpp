#pragma once

// Stands in for Alexa's language understanding in `feel-again say`: an utterance is matched
// against the interaction model's samples, slots capture the words where the sample has
// {slot}, custom slot values are resolved against the type's values and synonyms, and
// Amazon's built-in intents are recognised from a short phrase list. Whatever matches nothing
// goes to AMAZON.FallbackIntent, as on a real device.
//
// Where several samples fit, the one with the most literal words wins (Alexa, too, prefers the
// sample that explains more of the utterance); then a resolved custom value beats a free-form
// capture, which beats a custom value that did not resolve.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skill/skill_package.hpp"

namespace feel::skill {

enum class MatchStatus { none, match, no_match };

struct HeardSlot {
  std::string name;
  std::string type;
  std::optional<std::string> value;  // the words heard; absent when the sample did not fill it
  MatchStatus resolution = MatchStatus::none;  // custom slot types only
  std::string id;                              // on a match: the value's id and canonical name
  std::string resolved_name;
};

enum class RequestKind {
  launch,       // "open feel again", or an empty first line
  intent,       // an IntentRequest
  session_end,  // "exit": Alexa closes the session and tells the skill
  silence,      // an empty line: nothing was said
};

struct Understanding {
  RequestKind kind = RequestKind::intent;
  // A launch phrase starts a new session even when one is open; "ask feel again what is X" is
  // an intent in a new session.
  bool new_session = false;
  std::string intent;
  std::vector<HeardSlot> slots;  // every slot the intent declares, in the model's order
  std::string matched;           // the sample or built-in phrase that matched, for display

  [[nodiscard]] const HeardSlot* slot(std::string_view name) const;
};

class Nlu {
 public:
  Nlu(InteractionModel model, BuiltinPhrases phrases);

  [[nodiscard]] Understanding understand(std::string_view utterance) const;
  [[nodiscard]] const InteractionModel& model() const { return model_; }

 private:
  struct Piece {
    std::string word;  // a literal word, when slot is npos
    std::size_t slot = npos;
  };
  struct Sample {
    std::size_t intent = 0;
    std::vector<Piece> pieces;
    std::size_t literal_words = 0;
    std::string text;
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  void add_sample(std::size_t intent, const std::string& text);
  [[nodiscard]] Understanding match(const std::vector<std::string>& words) const;
  [[nodiscard]] HeardSlot hear(const ModelSlot& slot, const std::string& words) const;
  [[nodiscard]] std::size_t launch_prefix(const std::vector<std::string>& words) const;

  InteractionModel model_;
  BuiltinPhrases phrases_;
  std::vector<Sample> samples_;
  std::vector<std::string> invocation_words_;
};

// Lower case, everything but letters, digits and apostrophes inside words to spaces (so
// "p. t. s. d." and "P.T.S.D." are both "p t s d"), spaces collapsed. Curly apostrophes count.
[[nodiscard]] std::string normalize_utterance(std::string_view text);
[[nodiscard]] std::vector<std::string> split_words(std::string_view normalized);

struct SamplePart {
  std::string text;  // literal text, or the slot's name
  bool is_slot = false;
};
// A sample as literal text and {slot} references; nullopt when a brace is unbalanced, nested
// or empty.
[[nodiscard]] std::optional<std::vector<SamplePart>> parse_sample(std::string_view sample);
// The sample as Alexa compares samples: case and spacing normalised, every {slot} as {}. Two
// samples with the same shape are the same utterance, whatever their slots are called.
[[nodiscard]] std::string sample_shape(std::string_view sample);

// A time said in words ("nine thirty pm", "half past nine", "21:30"), as AMAZON.TIME resolves it:
// "21:30".
[[nodiscard]] std::optional<std::string> spoken_time(std::string_view words);
// A number said in words ("twenty five", "three") or digits, as AMAZON.NUMBER resolves it.
[[nodiscard]] std::optional<int> spoken_number(std::string_view words);

}  // namespace feel::skill
