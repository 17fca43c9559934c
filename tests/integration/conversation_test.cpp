// Multi-turn conversations as data files (tests/data/conversations/*.json), run over HTTP
// against the running server. Each turn names what is said (a launch, or an intent with
// slots) and the content keys the answer must come from, never literal words.
//
// A turn: {"launch": true} or {"intent": "AskQuestionIntent", "slots": {"topic": {"id":
// "trauma"}}}; a slot is a plain string (heard words, no resolution), {"id": ...} (resolved)
// or {"value": ..., "no_match": true}. "expect": {"keys": [...] (each one's variant is in
// the speech, in order), "not_keys": [...], "open": bool, "lastTopic": id or null,
// "same_speech_as_previous": true, "card_title_key": key, "state": the conversation state
// or null, "cue_pauses": {key: seconds} (every time the key's words are said, the silence
// right after them lasts that long), "count_time": true (this turn's speech counts toward
// an exercise's length), "total_minutes": m (the counted length is m minutes, within 15%,
// and the count starts again), "heard_contains": words, "not_heard_before": key (whichever
// of the key's variants are said now were never said earlier in the conversation)}.
//
// Time and device: each request carries the turn's "at" (ISO 8601), else the file's "at", else
// a fixed weekday afternoon, so answers never depend on when the tests run. Requests call the
// Alexa APIs on a local stand-in; the file's "device" says what it answers: {"time_zone":
// IANA name (absent: no answer, the service's default UTC), "slow": true (answers after the
// service has given up), "reminders": "ok" or "unauthorized"}. A turn with "screen": true comes
// from a device with APL. More "expect": "quiet": bool (spoken slower and softer), "apl": bool
// (an APL document is rendered), "apl_key": a key whose words are in its data,
// "permissions_card": true.
//
// A conversation's turns all come from one person (a user id of its own per file and
// locale), so what the skill keeps carries from session to session. Besides speech, a turn
// may be {"new_session": true, ...} (a new session: a later visit, the attributes gone),
// {"event": "skill-disabled"} (the person disables the skill), or carry "lock_storage": true
// (another process holds the database's write lock for that turn: storage fails).

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <sqlite3.h>

#include "skill/content.hpp"
#include "skill/say.hpp"
#include "skill/ssml.hpp"
#include "support/http.hpp"

namespace {

using nlohmann::json;

const feel::skill::SpeechCatalog& catalog() {
  static const auto loaded = feel::skill::SpeechCatalog::load(FEEL_AGAIN_CONTENT_DIR);
  return loaded;
}

// Where the words of variant (a template: {placeholders} stand for any words) occur in
// plain, at or after from; npos when they do not.
std::size_t find_variant(const std::string& plain, const std::string& variant, std::size_t from) {
  const auto text = feel::skill::ssml_to_plain_text(variant);
  std::size_t start = std::string::npos;
  std::size_t at = from;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto open = text.find('{', pos);
    const auto piece = text.substr(pos, open == std::string::npos ? std::string::npos : open - pos);
    if (!piece.empty()) {
      const auto found = plain.find(piece, at);
      if (found == std::string::npos) return std::string::npos;
      if (start == std::string::npos) start = found;
      at = found + piece.size();
    }
    if (open == std::string::npos) break;
    const auto close = text.find('}', open);
    if (close == std::string::npos) break;
    pos = close + 1;
  }
  return start == std::string::npos ? from : start;
}

// The position after the variant of key found in plain, or npos.
std::size_t find_key(const std::string& plain, const std::string& key, const std::string& locale,
                     std::size_t from) {
  for (const auto& variant : catalog().for_locale(locale).at(key)) {
    const auto at = find_variant(plain, variant, from);
    if (at != std::string::npos) return at + 1;
  }
  return std::string::npos;
}

json slot_json(const std::string& name, const json& spec) {
  json slot = {{"name", name}, {"confirmationStatus", "NONE"}};
  if (spec.is_string()) {
    slot["value"] = spec;
  } else if (spec.contains("id")) {
    slot["value"] = spec.value("value", spec["id"].get<std::string>());
    slot["resolutions"] = {{"resolutionsPerAuthority",
                            {{{"authority", "amzn1.er-authority.echo-sdk.test.TOPIC"},
                              {"status", {{"code", "ER_SUCCESS_MATCH"}}},
                              {"values", {{{"value", {{"name", spec["id"]}, {"id", spec["id"]}}}}}}}}}};
  } else {
    slot["value"] = spec.value("value", "");
    slot["resolutions"] = {{"resolutionsPerAuthority",
                            {{{"authority", "amzn1.er-authority.echo-sdk.test.TOPIC"},
                              {"status", {{"code", "ER_SUCCESS_NO_MATCH"}}}}}}};
  }
  return slot;
}

// Where the service reaches the Alexa APIs, and who is asking.
struct Device {
  std::string api_endpoint;
  std::string device_id;
};

json request_for(const json& turn, const json& attributes, bool is_new, const std::string& locale,
                 const std::string& user_id, const Device& device, const std::string& at) {
  if (turn.contains("event")) {
    auto envelope = feel::test::request_envelope(turn["event"].get<std::string>() == "skill-disabled"
                                                     ? "skill-event-disabled"
                                                     : turn["event"].get<std::string>());
    envelope["context"]["System"]["user"]["userId"] = user_id;
    return envelope;
  }
  auto envelope = feel::test::request_envelope(turn.value("launch", false) ? "launch" : "intent-help");
  envelope["request"]["locale"] = locale;
  envelope["session"]["new"] = is_new;
  envelope["session"]["attributes"] = attributes;
  envelope["session"]["user"]["userId"] = user_id;
  envelope["request"]["timestamp"] = turn.value("at", at);
  auto& system = envelope["context"]["System"];
  system["user"]["userId"] = user_id;
  system["apiEndpoint"] = device.api_endpoint;
  system["apiAccessToken"] = "test-api-token";
  system["device"]["deviceId"] = device.device_id;
  system["device"]["supportedInterfaces"] = json::object();
  if (turn.value("screen", false)) {
    system["device"]["supportedInterfaces"]["Alexa.Presentation.APL"] = {
        {"runtime", {{"maxVersion", "2023.2"}}}};
  }
  if (!turn.value("launch", false)) {
    json slots = json::object();
    const auto specs = turn.value("slots", json::object());
    for (const auto& [name, spec] : specs.items()) {
      slots[name] = slot_json(name, spec);
    }
    envelope["request"]["intent"] = {
        {"name", turn["intent"]}, {"confirmationStatus", "NONE"}, {"slots", slots}};
  }
  return envelope;
}

// Every time a cue's words are said, the silence right after them is its length.
void check_cue_pauses(const json& cue_pauses, const std::string& ssml, const std::string& locale) {
  const auto heard = feel::skill::heard_text(ssml);
  for (const auto& [key, seconds] : cue_pauses.items()) {
    CAPTURE(key);
    const auto words = feel::skill::ssml_to_plain_text(catalog().for_locale(locale).at(key).front());
    const auto expected = "[pause " + std::to_string(seconds.get<int>()) + "s]";
    std::size_t said = 0;
    for (auto at = heard.find(words); at != std::string::npos; at = heard.find(words, at + 1)) {
      ++said;
      const auto after = heard.substr(at + words.size(), expected.size() + 1);
      CAPTURE(after);
      CHECK(after == " " + expected);
    }
    CHECK(said > 0);
  }
}

// Holds the database's write lock, as another process would, while it lives.
class StorageLock {
 public:
  explicit StorageLock(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  ~StorageLock() {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }
  StorageLock(const StorageLock&) = delete;
  StorageLock& operator=(const StorageLock&) = delete;

 private:
  sqlite3* db_ = nullptr;
};

void check_turn(const json& expect, const json& body, const std::string& locale,
                const std::string& previous_speech) {
  const auto& response = body["response"];
  const auto ssml = response["outputSpeech"]["ssml"].get<std::string>();
  const auto plain = feel::skill::ssml_to_plain_text(ssml);
  INFO("heard: " << plain);
  CHECK(feel::skill::ssml_well_formed(ssml));
  REQUIRE(response.contains("card"));

  std::size_t at = 0;
  const auto keys = expect.value("keys", json::array());
  for (const auto& key : keys) {
    CAPTURE(key);
    at = find_key(plain, key.get<std::string>(), locale, at);
    CHECK(at != std::string::npos);
    if (at == std::string::npos) at = 0;
  }
  const auto not_keys = expect.value("not_keys", json::array());
  for (const auto& key : not_keys) {
    CAPTURE(key);
    CHECK(find_key(plain, key.get<std::string>(), locale, 0) == std::string::npos);
  }
  if (expect.contains("open")) {
    const bool open = response.value("shouldEndSession", true) == false;
    CHECK(open == expect["open"].get<bool>());
    if (open) {
      CHECK(plain.back() == '?');
      REQUIRE(response.contains("reprompt"));
      CHECK(feel::skill::ssml_to_plain_text(
                response["reprompt"]["outputSpeech"]["ssml"].get<std::string>())
                .back() == '?');
    }
  }
  // A session attribute expected to hold a string, or (null) to be absent.
  const auto& attributes = body.value("sessionAttributes", json::object());
  for (const auto* name : {"lastTopic", "state"}) {
    if (!expect.contains(name)) continue;
    CAPTURE(name);
    if (expect[name].is_null()) {
      CHECK_FALSE(attributes.contains(name));
    } else {
      CHECK(attributes.value(name, "") == expect[name].get<std::string>());
    }
  }
  if (expect.value("same_speech_as_previous", false)) CHECK(ssml == previous_speech);
  if (expect.contains("cue_pauses")) check_cue_pauses(expect["cue_pauses"], ssml, locale);
  if (expect.contains("heard_contains")) {
    for (const auto& words : expect["heard_contains"].is_array() ? expect["heard_contains"]
                                                                   : json::array({expect["heard_contains"]})) {
      CHECK(plain.find(words.get<std::string>()) != std::string::npos);
    }
  }
  if (expect.contains("quiet")) {
    const bool quiet = ssml.rfind(R"(<speak><prosody rate="90%" volume="soft">)", 0) == 0;
    CHECK(quiet == expect["quiet"].get<bool>());
  }
  const auto directives = response.value("directives", json::array());
  const auto apl = std::find_if(directives.begin(), directives.end(), [](const json& d) {
    return d.value("type", "") == "Alexa.Presentation.APL.RenderDocument";
  });
  if (expect.contains("apl")) CHECK((apl != directives.end()) == expect["apl"].get<bool>());
  if (expect.contains("apl_key")) {
    REQUIRE(apl != directives.end());
    CHECK((*apl)["document"].value("type", "") == "APL");
    const auto key = expect["apl_key"].get<std::string>();
    const auto words = feel::skill::ssml_to_plain_text(catalog().for_locale(locale).at(key).front());
    CAPTURE(key, words);
    CHECK((*apl)["datasources"].dump().find(words) != std::string::npos);
  }
  if (expect.value("permissions_card", false)) {
    CHECK(response["card"].value("type", "") == "AskForPermissionsConsent");
  }
  if (expect.contains("card_title_key")) {
    const auto title = response["card"]["title"].get<std::string>();
    CHECK(find_key(title, expect["card_title_key"].get<std::string>(), locale, 0) !=
          std::string::npos);
  }
}

// The Alexa APIs as a local stand-in: each device's time zone, and reminders, as its
// conversation file says.
class AlexaStandIn {
 public:
  AlexaStandIn() {
    server_.Get(R"(/v2/devices/([^/]+)/settings/System.timeZone)",
                [this](const httplib::Request& request, httplib::Response& response) {
                  const auto device = settings(request.matches[1]);
                  if (device.value("slow", false)) std::this_thread::sleep_for(std::chrono::seconds(3));
                  if (!device.contains("time_zone")) {
                    response.status = 404;
                    return;
                  }
                  response.set_content(json(device["time_zone"]).dump(), "application/json");
                });
    server_.Post("/v1/alerts/reminders", [this](const httplib::Request& request,
                                                httplib::Response& response) {
      // The device is not in the body: the token stands for it, and every test device agrees.
      if (request.get_header_value("Authorization") != "Bearer test-api-token" ||
          reminders_refused_) {
        response.status = 401;
        return;
      }
      response.status = 201;
      response.set_content(R"({"alertToken":"alert-1"})", "application/json");
    });
    server_.Delete(R"(/v1/alerts/reminders/([^/]+))",
                   [](const httplib::Request&, httplib::Response& response) { response.status = 200; });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~AlexaStandIn() {
    server_.stop();
    thread_.join();
  }
  AlexaStandIn(const AlexaStandIn&) = delete;
  AlexaStandIn& operator=(const AlexaStandIn&) = delete;

  [[nodiscard]] std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string endpoint() const { return "http://" + host(); }
  void set(const std::string& device_id, const json& device) {
    std::lock_guard lock(mutex_);
    devices_[device_id] = device;
    reminders_refused_ = device.value("reminders", "ok") == "unauthorized";
  }

 private:
  json settings(const std::string& device_id) {
    std::lock_guard lock(mutex_);
    const auto it = devices_.find(device_id);
    return it == devices_.end() ? json::object() : it->second;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::map<std::string, json> devices_;
  std::atomic<bool> reminders_refused_{false};
};

}  // namespace

TEST_CASE("conversations from the data files go as written", "[conversation]") {
  AlexaStandIn stand_in;
  auto config = feel::test::local_config();
  config.alexa_api_allow = {stand_in.host()};
  feel::test::RunningServer server(config);
  auto client = server.client();
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(feel::test::data_path("conversations"))) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 4);
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    std::ifstream in(file);
    const auto conversation = json::parse(in);
    const auto locales = conversation.value("locales", json::array({"en-US"}));
    for (const auto& locale : locales) {
      CAPTURE(locale);
      const auto who = file.stem().string() + "-" + locale.get<std::string>();
      const auto user_id = "amzn1.ask.account.test-" + who;
      const Device device{stand_in.endpoint(), "amzn1.ask.device.test-" + who};
      stand_in.set(device.device_id, conversation.value("device", json::object()));
      const auto at = conversation.value("at", std::string("2026-11-18T15:00:00Z"));
      json attributes = json::object();
      std::string previous_speech;
      int number = 0;
      bool is_new = true;
      double counted_seconds = 0;
      std::string heard_so_far;
      for (const auto& turn : conversation["turns"]) {
        CAPTURE(++number);
        if (turn.value("new_session", false)) {
          attributes = json::object();
          is_new = true;
        }
        const auto envelope = request_for(turn, attributes, is_new, locale, user_id, device, at);
        is_new = false;
        std::optional<StorageLock> lock;
        if (turn.value("lock_storage", false)) lock.emplace(config.db);
        auto result = feel::test::post_alexa(*client, envelope.dump());
        lock.reset();
        REQUIRE(result);
        REQUIRE(result->status == 200);
        const auto body = json::parse(result->body);
        if (turn.contains("event")) {
          CHECK_FALSE(body["response"].contains("outputSpeech"));
          continue;
        }
        const auto expect = turn.value("expect", json::object());
        check_turn(expect, body, locale, previous_speech);
        const auto plain = feel::skill::ssml_to_plain_text(
            body["response"]["outputSpeech"]["ssml"].get<std::string>());
        if (expect.contains("not_heard_before")) {
          // Each variant of the key said now was not said in any earlier turn.
          std::size_t said = 0;
          for (const auto& variant :
               catalog().for_locale(locale.get<std::string>()).at(expect["not_heard_before"].get<std::string>())) {
            const auto words = feel::skill::ssml_to_plain_text(variant);
            if (plain.find(words) == std::string::npos) continue;
            ++said;
            CAPTURE(words);
            CHECK(heard_so_far.find(words) == std::string::npos);
          }
          CHECK(said > 0);
        }
        heard_so_far += plain + "\n";
        const auto ssml = body["response"]["outputSpeech"]["ssml"].get<std::string>();
        if (expect.value("count_time", false)) {
          counted_seconds += feel::skill::spoken_timing(ssml).total();
        }
        if (expect.contains("total_minutes")) {
          const auto minutes = expect["total_minutes"].get<double>();
          CAPTURE(counted_seconds, minutes);
          CHECK(counted_seconds == Approx(minutes * 60).epsilon(0.15));
          counted_seconds = 0;
        }
        attributes = body.value("sessionAttributes", json::object());
        previous_speech = body["response"]["outputSpeech"]["ssml"].get<std::string>();
        if (body["response"].value("shouldEndSession", true)) {
          attributes = json::object();
          is_new = true;
        }
      }
    }
  }
}
