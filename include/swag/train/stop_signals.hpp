// SIGTERM, SIGUSR1 (what Slurm sends before a time limit, with --signal) and SIGINT (Ctrl-C)
// ask the run to stop: the trainer finishes the step, the ranks agree, a checkpoint is written
// and the program exits with ExitCode::stopped.
#pragma once

namespace swag::train {

void install_stop_handlers();
bool stop_requested();  // on this rank

}  // namespace swag::train
