#pragma once

// Maps a free-form question (the `query` slot, or a `topic` value that did not resolve) to one
// of the FAQ topics in speech-content/<language>/matching/topics.json.
//
// Questions and keywords are normalised, stemmed (Porter2) and indexed once at load, as unigrams
// and bigrams; synonyms (and other forms of them: "scares" as "scared") are replaced first. A
// topic's score is BM25 against the whole topic (its questions and, weighted up, its keywords)
// plus a share of BM25 against its best single question. Ranking is only half of it: a topic is
// given only when it explains most of what was said. Each content word of the utterance weighs
// 1 when the index does not know it and less the more topics use it, and the best topic must
// account for more than half of that weight ("play some music" shares one word with coping
// strategies, "my foot is numb" one generic word with everything). A question of weak words
// only is weighed by the phrases topics know in it ("bad enough", "get help"), when there are
// two or more. So an out-of-scope question gets "not sure", never a topic.
//
// A second, learned opinion sits beside BM25: a softmax classifier over the same terms and every
// word as said, trained at load on every way of asking about each topic (questions, examples and
// matching/phrasings.json) and, as one more class, on everyday requests
// (matching/out-of-scope.json, when present). Its probability is blended into the ranking, which
// tells neighbouring topics apart by the words that separate them rather than the words they
// share, and an utterance it finds about as likely to be an everyday request as the chosen topic
// gets no topic. Thread-safe for concurrent const use.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace feel::intents {

struct TopicInfo {
  std::string id;
  std::vector<std::string> related, questions, keywords;
};

struct TopicMatch {
  std::string topic;
  double score = 0;
  double confidence = 0;  // in [0, 1]; best() gives a topic from kMinConfidence up
};

class TopicIndex {
 public:
  // best() gives a topic only at or above this confidence.
  static constexpr double kMinConfidence = 0.5;

  // Loads matching/topics.json ({id: {related, questions, keywords, and optionally examples:
  // more ways of asking, matched but never offered}}), the matching/vocabulary.json beside it
  // (stop words, weak words, synonyms) and, when they are there, matching/phrasings.json ({id:
  // [more examples]}, kept apart because there are thousands) and matching/out-of-scope.json
  // ({"examples": [everyday requests]}). Throws skill::ContentError naming the file and the
  // problem.
  [[nodiscard]] static TopicIndex load(const std::filesystem::path& topics_json);

  // The best topic, or nullopt when the utterance is out of scope or below kMinConfidence.
  [[nodiscard]] std::optional<TopicMatch> best(std::string_view utterance) const;
  // Up to n topics, best first, whatever their confidence (topics with no overlap at all with
  // the utterance are left out).
  [[nodiscard]] std::vector<TopicMatch> ranked(std::string_view utterance, std::size_t n) const;
  // Whether an utterance opens the way a question does ("is it normal", "why do i", "tell me
  // about"), after any fillers ("um", "so"): "it felt strange" and "i felt calm" do not. Where
  // the skill has just asked for a remark (after an exercise, between journaling prompts), only
  // an utterance that asks is taken as a question. False when the vocabulary has no openers.
  [[nodiscard]] bool asks(std::string_view utterance) const;
  // Whether an utterance asks and the matcher has a topic for it: what is a question where the
  // skill has just asked for a remark.
  [[nodiscard]] bool asks_a_topic(std::string_view utterance) const;
  // What Alexa puts in the free-form question's slot when the utterance opens with one of its
  // carrier phrases (vocabulary.json's carriers, the interaction model's): "why do i feel
  // flat" arrives as "do i feel flat". Normalised; nullopt when no carrier opens it or nothing
  // follows. The matcher is taught every way of asking both as written and like this.
  [[nodiscard]] std::optional<std::string> without_carrier(std::string_view utterance) const;
  [[nodiscard]] const std::vector<TopicInfo>& topics() const { return topics_; }
  [[nodiscard]] const TopicInfo* find(std::string_view id) const;

  // The language knowledge analysis needs, from matching/vocabulary.json.
  struct Vocabulary {
    std::unordered_set<std::string> stop;  // dropped: "the", "is", "my"
    std::unordered_set<std::string> weak;  // stems kept for ranking, no evidence of the domain
    std::unordered_map<std::string, std::string> synonyms;  // word -> normalised replacement
    std::unordered_map<std::string, std::string> stem_synonyms;  // the same, by the word's stem
    // Optional: what tells small talk that uses feeling words from a question about them.
    // An utterance is small talk when its content words are only everyday states (`generic`
    // stems: "bored", "tired", "good", "love"), feeling words (`core` stems: "feel", "emotion")
    // and weak words, and it either speaks to the speaker (an `addressee` phrase: "are you",
    // "alexa") or has none of the `cues` that turn it into a question about feeling ("can't",
    // "nothing", "why", "want") and is more than one feeling word ("emotions" alone names a
    // topic). "I'm bored", "I feel happy", "how are you feeling", "I love you" get no topic;
    // "why am I always bored", "I want my emotions back" and "what are emotions" still do.
    std::unordered_set<std::string> generic;
    std::unordered_set<std::string> core;
    std::unordered_set<std::string> cues;
    std::vector<std::string> addressee;  // normalised phrases
    // Words that, opening an utterance with no cue in it, speak to the device: the slot of
    // "are you happy" is "you happy".
    std::unordered_set<std::string> addressee_openers;
    // Optional: words that, opening an utterance (after stop and weak words: "alexa, can you
    // play"), make it a request to the device, never a question: "play", "call", "set".
    std::unordered_set<std::string> commands;
    // Optional: the words a question opens with, and the fillers that may come before them.
    std::unordered_set<std::string> openers;
    std::unordered_set<std::string> fillers;
    // Optional: the carrier phrases of the free-form question intent, normalised, longest first.
    std::vector<std::string> carriers;
  };

 private:
  struct Posting {
    std::uint32_t doc;
    std::uint32_t tf;
  };
  struct Term {
    std::vector<Posting> questions;  // docs are question numbers
    std::vector<Posting> topics;     // docs are topic numbers
    // The topics that use the term on its own or as a whole phrase, not as part of a phrase.
    std::vector<std::uint32_t> standalone_topics;
    double question_idf = 0;
    double topic_idf = 0;
  };
  // The scored, not yet thresholded result for one utterance.
  struct Scored {
    std::vector<double> scores;     // per topic
    std::vector<double> explained;  // per topic, the share of the content words' weight it knows
    std::vector<double> probabilities;  // per topic, from the classifier
    double everyday = 0;  // the classifier's probability that it is an everyday request
  };
  // A sparse, L2-normalised feature vector: (feature number, value).
  using Features = std::vector<std::pair<std::uint32_t, double>>;

  [[nodiscard]] Scored score(std::string_view utterance) const;
  [[nodiscard]] double confidence(const Scored& scored, std::size_t topic, double rival) const;
  // One way of asking, or an everyday request, as the classifier learns from it.
  struct Example {
    Features x;
    std::uint32_t label;  // a topic number, or the number of topics for an everyday request
    double weight;
  };
  // Indexes every way of asking (questions, examples, keywords) for BM25, numbers the
  // classifier's terms, and gives back every text, everyday requests too, as an example.
  [[nodiscard]] std::vector<Example> build(const std::vector<std::vector<std::string>>& examples,
                                           const std::vector<std::string>& everyday);
  void train(const std::vector<Example>& data, std::size_t classes);
  [[nodiscard]] Features features(const std::vector<std::string>& unigrams,
                                  const std::vector<bool>& weak,
                                  const std::vector<std::string>& bigrams,
                                  const std::vector<std::string>& words) const;
  // Class probabilities: one per topic, then (when trained with everyday requests) one more.
  [[nodiscard]] std::vector<double> classify(const Features& features) const;

  std::vector<TopicInfo> topics_;
  Vocabulary vocabulary_;
  std::unordered_map<std::string, Term> terms_;  // stems and "stem stem" bigrams
  std::vector<std::uint32_t> question_topic_;    // question number -> topic number
  std::vector<std::uint32_t> question_length_;
  std::vector<std::uint32_t> topic_length_;
  double average_question_length_ = 1;
  double average_topic_length_ = 1;
  double max_topic_idf_ = 1;
  // The classifier: a number per term it was trained on, and weights_[feature * classes + class].
  std::unordered_map<std::string, std::uint32_t> feature_ids_;
  std::vector<double> weights_;
  std::vector<double> bias_;  // one per class
};

// Lower case, trivial ASCII folding (accents, curly quotes), punctuation to spaces, apostrophes
// inside words dropped ("can't" -> "cant"), spaces collapsed. Invalid UTF-8 becomes a space.
[[nodiscard]] std::string normalize(std::string_view text);
// Splits normalised text on spaces.
[[nodiscard]] std::vector<std::string> tokenize(std::string_view normalized);
// The Porter2 (Snowball English) stem of one lower-case word.
[[nodiscard]] std::string stem(std::string_view word);

}  // namespace feel::intents
