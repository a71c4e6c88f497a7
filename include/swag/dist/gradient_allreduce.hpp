// Bucketed gradient all-reduce, started during backward. The flat gradient buffer is cut into
// buckets of whole parameters, from the last parameter backward (backward produces gradients
// from the classifier to the stem); a bucket's non-blocking sum starts as soon as the model
// reports that all its parameters are final, and finish() waits for the rest and averages.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <vector>

#include "swag/dist/communicator.hpp"
#include "swag/nn/parameter_store.hpp"

namespace swag::dist {

class GradientAllReduce {
 public:
  GradientAllReduce(const Communicator& comm, nn::ParameterStore& params,
                    std::int64_t bucket_bytes = 25 << 20);
  ~GradientAllReduce();
  GradientAllReduce(const GradientAllReduce&) = delete;
  GradientAllReduce& operator=(const GradientAllReduce&) = delete;

  // Gradients of every parameter with index >= first_param are final: start their buckets.
  void ready_from(int first_param);
  // Starts what is left, waits for all buckets, divides by the world size.
  void finish();
  std::size_t buckets() const { return buckets_.size(); }

 private:
  struct Bucket {
    int first_param;
    std::int64_t offset, count;  // elements of the flat gradient buffer
    MPI_Request request = MPI_REQUEST_NULL;
    bool started = false;
  };
  void start(Bucket& b);

  const Communicator& comm_;
  nn::ParameterStore& params_;
  std::vector<Bucket> buckets_;  // in the order backward completes them
};

}  // namespace swag::dist
