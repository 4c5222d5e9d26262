// Running tapegrad-train as a child process (compare, --search): argv[0] is a path, stdout and
// stderr both go to a log file; returns the exit status (128 + signal when killed).
#pragma once

#include <tapegrad/autograd/error.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace train {

inline int run_process(const std::vector<std::string>& argv, const std::string& log) {
  TG_CHECK(!argv.empty(), "run_process: no program given");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  TG_CHECK(spawn_error == 0, "cannot start {}: {}", argv[0], std::strerror(spawn_error));
  int status = 0;
  TG_CHECK(waitpid(pid, &status, 0) == pid, "waitpid failed for {}", argv[0]);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace train
