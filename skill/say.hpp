#pragma once

// `feel-again say`: a conversation with the skill in a terminal, or from a pipe. Each line is
// understood as Alexa would (nlu.hpp), sent as the request envelope Alexa would send (a session
// that carries the attributes of the last response, a fake device, user and skill), answered in
// process or by a running server, and printed as a listener would hear it.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "skill/nlu.hpp"

namespace CLI {
class App;
}

namespace feel::skill {

struct SayOptions {
  std::string content_dir;        // default: default_content_dir()
  std::string skill_package_dir;  // default: default_skill_package_dir()
  std::string locale = "en-US";
  std::string url;        // POST to a running `feel-again serve` instead of answering in process
  bool insecure = false;  // with an https:// url: skip the certificate check (self-signed)
  bool speak = false;     // also speak each answer through espeak-ng
  bool json = false;      // print each raw response
  // In process: where to keep what the skill remembers. Empty: in memory, gone at exit.
  std::string db;
  std::string secret_file;  // with db; default: beside it, "<db>.secret"
  std::optional<std::uint64_t> seed;  // fixed variant choices, for repeatable transcripts
  // The apiEndpoint the requests carry (default: Amazon's for the locale). In process, the
  // skill may call it: a local stand-in for the Alexa APIs (time zone, reminders).
  std::string api_endpoint;
};

// The open session, as Alexa keeps it between turns.
struct SessionState {
  bool open = false;
  bool is_new = false;  // no request of the session has been sent yet
  std::string session_id;
  nlohmann::json attributes = nlohmann::json::object();
};

// What each request says besides the utterance.
struct RequestContext {
  std::string locale = "en-US";
  std::string request_id;
  std::string timestamp;  // ISO 8601, UTC
  std::string api_endpoint;  // context.System.apiEndpoint; empty: Amazon's for the locale
};

// The envelope Alexa sends for what was understood: a LaunchRequest or an IntentRequest (every
// declared slot present; custom values with their resolutions), inside session.
[[nodiscard]] nlohmann::json make_request(const Understanding& understood,
                                          const SessionState& session,
                                          const RequestContext& context);
// The SessionEndedRequest Alexa sends when the person leaves (USER_INITIATED) or stays silent
// (EXCEEDED_MAX_REPROMPTS).
[[nodiscard]] nlohmann::json make_session_ended(const SessionState& session,
                                                const RequestContext& context,
                                                std::string_view reason);

// What a listener hears of some SSML: its words, with each silence as "[pause 4s]" (adjacent
// breaks added up) and each sound as "[audio]".
[[nodiscard]] std::string heard_text(std::string_view ssml);

// Sends a request and returns the response body, or nullopt with error set.
using Transport =
    std::function<std::optional<nlohmann::json>(const nlohmann::json& request, std::string& error)>;

// The turn-by-turn state of `say`, kept apart from the terminal so that tests can drive it.
class Conversation {
 public:
  struct Settings {
    std::string locale = "en-US";
    std::string api_endpoint;  // where the skill is told to call the Alexa APIs (a stand-in)
    bool echo = false;  // print each line read: a piped transcript then reads as a dialogue
    bool json = false;
    // Called with the plain text of each answer (espeak-ng); may be empty.
    std::function<void(const std::string&)> speak;
  };

  Conversation(Nlu nlu, Transport transport, Settings settings);

  // One line of input. Writes what was understood and heard to out; false when the request
  // could not be answered.
  bool turn(std::string_view line, std::ostream& out);
  // End of input: an open session ends as when a person walks away.
  void finish(std::ostream& out);

  [[nodiscard]] const SessionState& session() const { return session_; }

 private:
  bool send(const nlohmann::json& request, std::ostream& out);
  [[nodiscard]] RequestContext next_context() const;
  void start_session();

  Nlu nlu_;
  Transport transport_;
  Settings settings_;
  SessionState session_;
  std::string last_reprompt_;  // SSML of the last response's reprompt
  int silences_ = 0;
};

// Answers in process through SkillCore (options.content_dir, kept in options.db), with a fixed
// or random seed per turn.
[[nodiscard]] Transport in_process_transport(const SayOptions& options);
// POSTs to url (http:// or https://); insecure skips the server certificate check.
[[nodiscard]] Transport http_transport(const std::string& url, bool insecure);

// Declares the flags of `feel-again say` on app.
void add_say_flags(CLI::App& app, SayOptions& options);

// Runs the conversation from in to out. Returns the exit status: 0, or 1 when some turn could
// not be answered or the skill could not be loaded.
[[nodiscard]] int run_say(SayOptions& options, std::istream& in, std::ostream& out);

}  // namespace feel::skill
