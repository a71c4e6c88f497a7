// The swag subcommands. Each registers its flags on the CLI11 app and returns the function that
// runs it; main() parses, runs, and turns exceptions into "swag: error:" and an exit code.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace swag::eval {
struct TestSetScoring;
}

namespace swag::apps {

using Command = std::function<void()>;

// --real-labels and --objectnet-mapping, shared by swag eval and swag zeroshot (in eval.cpp).
void add_test_set_options(CLI::App& app, eval::TestSetScoring& scoring);

Command add_info(CLI::App& app);
Command add_predict(CLI::App& app);
Command add_bench(CLI::App& app);
Command add_init(CLI::App& app);
Command add_check_config(CLI::App& app);
Command add_shard(CLI::App& app);
Command add_sample(CLI::App& app);
Command add_index(CLI::App& app);
Command add_demo_data(CLI::App& app);
Command add_pretrain(CLI::App& app);
Command add_verify_checkpoint(CLI::App& app);
Command add_vocab(CLI::App& app);
Command add_platt(CLI::App& app);
Command add_eval(CLI::App& app);
Command add_finetune(CLI::App& app);
Command add_zeroshot(CLI::App& app);
Command add_linear_probe(CLI::App& app);

}  // namespace swag::apps
