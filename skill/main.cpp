// feel-again: wires the command line to the service. Everything else lives in the library.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "skill/check.hpp"
#include "skill/config.hpp"
#include "skill/content.hpp"
#include "skill/log.hpp"
#include "skill/say.hpp"
#include "skill/server.hpp"
#include "skill/skill_package.hpp"

namespace {

using namespace feel::skill;

// SIGTERM or SIGINT: stop accepting, let in-flight requests finish, exit 0 within 5 s even if
// a stalled client still holds a connection.
void serve_until_signalled(Server& server) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  std::thread waiter([&server, signals] {
    int received = 0;
    sigwait(&signals, &received);
    log::info("stopping", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
    server.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(4500));
    log::warn("connections still open after 4.5 s, exiting anyway");
    std::_Exit(0);
  });
  waiter.detach();
  server.run();
}

int serve(ServeConfig& config) {
  validate(config);
  log::setup(config.log_format == "json" ? log::Format::json : log::Format::text,
             config.log_level);
  Server server(config);
  const int port = server.bind();
  const auto scheme = config.tls() ? "https" : "http";
  log::info("listening", {{"url", std::string(scheme) + "://" + config.host + ":" +
                                      std::to_string(port) + "/alexa"},
                          {"content", config.content_dir},
                          {"threads", std::to_string(config.threads)}});
  if (!config.tls()) {
    log::warn("serving plain HTTP: put a TLS proxy in front, or give --tls-cert and --tls-key");
  }
  if (config.local_development()) {
    log::warn("LOCAL DEVELOPMENT MODE: no --skill-id given, so requests are NOT verified and "
              "only this machine can connect. Give --skill-id to serve Alexa");
  } else if (config.insecure_no_verify) {
    log::warn("--insecure-no-verify: requests are NOT verified. Never use this in production");
  }
  serve_until_signalled(server);
  log::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals in every thread; one thread waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app("Feel Again: a voice companion for people who feel emotionally numb", "feel-again");
  app.set_version_flag("--version", FEEL_AGAIN_VERSION_STRING);
  app.require_subcommand(1);
  ServeConfig config;
  auto* serve_command = app.add_subcommand("serve", "Run the Alexa skill endpoint (HTTPS webhook)");
  add_serve_flags(*serve_command, config);
  CheckOptions check_options;
  auto* check_command = app.add_subcommand(
      "check", "Check the skill package and speech content before a deploy (exit 1 on problems)");
  add_check_flags(*check_command, check_options);
  SayOptions say_options;
  auto* say_command =
      app.add_subcommand("say", "Talk to the skill in a terminal: type what you would say");
  add_say_flags(*say_command, say_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  // Only serve waits for the stop signals itself; the other commands stop on Ctrl-C as usual.
  if (!serve_command->parsed()) pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  try {
    if (serve_command->parsed()) return serve(config);
    if (check_command->parsed()) return run_check(check_options, std::cout);
    if (say_command->parsed()) return run_say(say_options, std::cin, std::cout);
  } catch (const ConfigError& error) {
    std::cerr << "feel-again: " << error.what() << '\n';
  } catch (const ContentError& error) {
    std::cerr << "feel-again: speech content: " << error.what() << '\n';
  } catch (const SkillPackageError& error) {
    std::cerr << "feel-again: skill package: " << error.what() << '\n';
  } catch (const std::exception& error) {
    std::cerr << "feel-again: " << error.what() << '\n';
  }
  return 1;
}
