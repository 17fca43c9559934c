#pragma once

// The response envelope (ALEXA.md section 3) and the builder that keeps it valid.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/ssml.hpp"

namespace feel::skill {

struct Limits {
  std::size_t speech_chars = 8000;
  std::size_t reprompt_chars = 8000;
  std::size_t card_chars = 8000;
  std::size_t response_bytes = 24 * 1000;
};

// A finished response. `body` is the whole JSON envelope and `text` the same, serialised as
// it goes on the wire; `adjustments` names every limit that had to be enforced (logged by
// the caller, never silently).
struct Response {
  nlohmann::json body;
  std::string text;
  std::vector<std::string> adjustments;

  [[nodiscard]] bool ends_session() const;
};

class ResponseBuilder {
 public:
  ResponseBuilder() = default;

  ResponseBuilder& speak(const Ssml& speech);
  // Sets the reprompt and keeps the session open.
  ResponseBuilder& ask(const Ssml& reprompt);
  ResponseBuilder& simple_card(std::string title, std::string content);
  ResponseBuilder& standard_card(std::string title, std::string text,
                                 std::string small_image_url = {},
                                 std::string large_image_url = {});
  ResponseBuilder& permissions_card(std::vector<std::string> permissions);
  ResponseBuilder& directive(nlohmann::json directive);
  ResponseBuilder& session_attributes(nlohmann::json attributes);
  // End the session explicitly (true) or leave shouldEndSession out (nullopt), as for
  // SessionEndedRequest responses and directives that manage the session themselves.
  ResponseBuilder& end_session(std::optional<bool> end);
  ResponseBuilder& can_fulfill(nlohmann::json can_fulfill_intent);

  [[nodiscard]] const std::optional<Ssml>& speech() const { return speech_; }
  // The card as Alexa receives it ({} when none), and the directives so far.
  [[nodiscard]] const nlohmann::json& card() const { return card_; }
  [[nodiscard]] const nlohmann::json& directives() const { return directives_; }
  [[nodiscard]] const std::optional<Ssml>& reprompt() const { return reprompt_; }

  // Serialises and enforces the limits: speech and reprompt shortened at a sentence
  // boundary, card text cut at a sentence boundary, and the whole body kept under
  // limits.response_bytes. The result is always a valid Alexa response.
  [[nodiscard]] Response build(const Limits& limits = {}) const;

 private:
  std::optional<Ssml> speech_;
  std::optional<Ssml> reprompt_;
  nlohmann::json card_;
  nlohmann::json directives_ = nlohmann::json::array();
  nlohmann::json attributes_ = nlohmann::json::object();
  nlohmann::json can_fulfill_;
  std::optional<bool> end_session_ = true;
};

// A response with no speech at all (SessionEndedRequest, System.ExceptionEncountered).
[[nodiscard]] Response empty_response();

}  // namespace feel::skill
