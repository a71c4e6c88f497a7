// swag demo-data: the demo dataset's inputs from Fashion-MNIST (doc/demo.md). The train split
// becomes PNG files with weak hashtag labels, a manifest and hashtag counts for swag vocab
// build; the test split becomes PNG files labelled with their class, a 10-class vocabulary and
// the classes' WordNet synsets. inputs/demo/build_demo.sh turns them into shards.
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/core/atomic_file.hpp"
#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/data/demo_hashtags.hpp"
#include "swag/data/fashion_mnist.hpp"
#include "swag/data/hashtag_labels.hpp"
#include "swag/data/png_codec.hpp"

namespace swag::apps {
namespace {

namespace fs = std::filesystem;

void write_png(const fs::path& path, const data::Image& image) {
  const auto png = data::encode_png(image);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  if (!f) fail(ExitCode::io, "{}: cannot write", path.string());
}

fs::path make_folder(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (!fs::is_directory(path))
    fail(ExitCode::io, "{}: cannot create folder: {}", path.string(), ec.message());
  return path;
}

std::string image_name(std::size_t i) {
  return fmt::format("images/{:05d}.png", i);
}

// Train split: PNGs, manifest lines "images/i.png<TAB>#tag ...", hashtag counts, and the true
// labels as a second manifest, labelled_manifest.tsv ("images/i.png<TAB>label"), for
// fine-tuning.
void write_train(const fs::path& folder, const data::FashionMnistSplit& split, std::uint64_t seed) {
  make_folder(folder / "images");
  std::string manifest, labelled;
  std::map<std::string, std::int64_t> counts;
  for (std::size_t i = 0; i < split.images.size(); ++i) {
    write_png(folder / image_name(i), split.images[i]);
    Rng rng(seed, i);  // one stream per image: the same tags however the loop is split
    const auto tags = data::demo_hashtags(split.labels[i], rng);
    manifest += image_name(i) + "\t";
    for (std::size_t t = 0; t < tags.size(); ++t) {
      manifest += (t ? " " : "") + tags[t];
      ++counts[data::normalize_hashtag(tags[t])];
    }
    manifest += "\n";
    labelled += image_name(i) + "\t" +
                data::demo_classes().at(static_cast<std::size_t>(split.labels[i])).label + "\n";
  }
  write_file_atomically((folder / "manifest.tsv").string(), manifest);
  write_file_atomically((folder / "labelled_manifest.tsv").string(), labelled);
  std::vector<std::pair<std::string, std::int64_t>> by_count(counts.begin(), counts.end());
  std::stable_sort(by_count.begin(), by_count.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string tsv;
  for (const auto& [tag, n] : by_count) tsv += fmt::format("{}\t{}\n", tag, n);
  write_file_atomically((folder / "hashtag_counts.tsv").string(), tsv);
}

// Test split: PNGs, manifest lines "images/i.png<TAB>label", the label vocabulary (classes
// ordered as swag vocab build orders them: by count, then name) and classes.txt in that order.
void write_test(const fs::path& folder, const fs::path& classes_file,
                const data::FashionMnistSplit& split) {
  make_folder(folder / "images");
  const auto& classes = data::demo_classes();
  std::vector<std::int64_t> count(classes.size(), 0);
  std::string manifest;
  for (std::size_t i = 0; i < split.images.size(); ++i) {
    write_png(folder / image_name(i), split.images[i]);
    const auto& c = classes.at(static_cast<std::size_t>(split.labels[i]));
    manifest += image_name(i) + "\t" + c.label + "\n";
    ++count[split.labels[i]];
  }
  write_file_atomically((folder / "manifest.tsv").string(), manifest);

  std::vector<std::size_t> order(classes.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return count[a] != count[b] ? count[a] > count[b] : classes[a].label < classes[b].label;
  });
  nlohmann::ordered_json vocab;
  vocab["format"] = "swag-vocab";
  vocab["format_version"] = 1;
  vocab["min_count"] = 1;
  vocab["num_classes"] = classes.size();
  vocab["classes"] = nlohmann::ordered_json::array();
  vocab["hashtags"] = nlohmann::ordered_json::object();
  std::string wnids;
  for (std::size_t id = 0; id < order.size(); ++id) {
    const auto& c = classes[order[id]];
    vocab["classes"].push_back({{"id", id},
                                {"name", c.label},
                                {"synsets", {c.wnid}},
                                {"hashtags", {c.label}},
                                {"count", count[order[id]]}});
    vocab["hashtags"][c.label] = id;
    wnids += c.wnid + "\n";
  }
  write_file_atomically((folder / "vocab.json").string(), vocab.dump(1) + "\n");
  write_file_atomically(classes_file.string(), wnids);
}

}  // namespace

Command add_demo_data(CLI::App& app) {
  struct Options {
    std::string output_dir, source = data::fashion_mnist_default_dir;
    std::uint64_t seed = 0;
    std::int64_t train_limit = 0, test_limit = 0;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--output-dir", o->output_dir, "folder for train/, test/ and classes.txt")
      ->required();
  app.add_option("--fashion-mnist", o->source, "folder of the Fashion-MNIST .gz files")
      ->capture_default_str();
  app.add_option("--seed", o->seed, "seed of the hashtag draws")->capture_default_str();
  app.add_option("--train-limit", o->train_limit, "first N train images only (0: all 60,000)")
      ->capture_default_str();
  app.add_option("--test-limit", o->test_limit, "first N test images only (0: all 10,000)")
      ->capture_default_str();
  return [o] {
    const fs::path out = make_folder(o->output_dir);
    const auto train = data::read_fashion_mnist(o->source, "train", o->train_limit);
    write_train(out / "train", train, o->seed);
    log::info("demo-data: {} training images with hashtags in {}", train.images.size(),
              (out / "train").string());
    const auto test = data::read_fashion_mnist(o->source, "t10k", o->test_limit);
    write_test(out / "test", out / "classes.txt", test);
    log::info("demo-data: {} labelled test images in {}; classes in {}", test.images.size(),
              (out / "test").string(), (out / "classes.txt").string());
  };
}

}  // namespace swag::apps
