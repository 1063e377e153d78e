#include "graph/region_forward.h"

#include <algorithm>
#include <utility>

#include "core/error.h"
#include "graph/graph.h"

namespace camlens {

namespace {

int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int ceil_div(int a, int b) { return -floor_div(-a, b); }

// Along one axis: the output positions [first, last) whose window reads any input position in
// [begin, end). Position o reads [o * stride - pad, o * stride - pad + extent).
std::pair<int, int> reached(int begin, int end, int stride, int pad, int extent, int out_size) {
  if (begin >= end) return {0, 0};
  const int first = std::max(floor_div(begin + pad - extent, stride) + 1, 0);
  const int last = std::min(ceil_div(end + pad, stride), out_size);
  return first < last ? std::pair{first, last} : std::pair{0, 0};
}

Region bounding(const Region& a, const Region& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return {std::min(a.top, b.top), std::min(a.left, b.left), std::max(a.bottom, b.bottom), std::max(a.right, b.right)};
}

Region clipped(const Region& r, int height, int width) {
  const Region c{std::max(r.top, 0), std::max(r.left, 0), std::min(r.bottom, height), std::min(r.right, width)};
  return c.empty() ? Region{} : c;
}

}  // namespace

struct RegionForward::Step {
  Layer* layer = nullptr;           // null for the input
  std::unique_ptr<Layer> unpadded;  // a sliding-window layer's copy that pads nothing
  SlidingWindow window;             // when `unpadded` is set
  Padding pads;                     // what the layer pads its input with
  std::vector<int> inputs;          // the steps it reads
  Tensor base;                      // the base input's activation [1, ...]
  std::vector<Tensor> gathered;     // per input: what the layer reads this batch

  bool spatial() const { return base.shape().rank() == 4; }
  int height() const { return base.shape().h(); }
  int width() const { return base.shape().w(); }
};

// A step's values for the current batch: each item's output over a rectangle of one common size
// (the crop) at the item's own origin; outside it, the base pass's values.
struct RegionForward::Part {
  Tensor crop;                   // [N, h, w, C]; [N, ...] when the step is not spatial
  const Tensor* values = &crop;  // the input step's points at the batch instead
  std::vector<int> top, left;    // each item's crop origin
  std::vector<Region> changed;   // where each item may differ from the base (within its crop)
};

namespace {

// Copies rows x cols pixels of `item` of a step's values, starting at (y0, x0) (which may lie
// outside the map: those pixels are `pad`), into `dst`, reading the part's crop inside it and the
// base activation elsewhere.
void gather(const Tensor& values, int crop_top, int crop_left, const Tensor& base, int item, int y0, int x0, int rows,
            int cols, float pad, float* dst) {
  const Shape& map = base.shape();
  const int height = map.h(), width = map.w(), channels = map.c();
  const int crop_h = values.shape().h(), crop_w = values.shape().w();
  const float* crop = values.data() + static_cast<size_t>(item) * crop_h * crop_w * channels;
  const int inside_begin = std::max(x0, 0), inside_end = std::min(x0 + cols, width);
  const int crop_begin = std::max(inside_begin, crop_left), crop_end = std::min(inside_end, crop_left + crop_w);
  for (int r = 0; r < rows; ++r, dst += static_cast<size_t>(cols) * channels) {
    const int y = y0 + r;
    if (y < 0 || y >= height || inside_begin >= inside_end) {
      std::fill(dst, dst + static_cast<size_t>(cols) * channels, pad);
      continue;
    }
    std::fill(dst, dst + static_cast<size_t>(inside_begin - x0) * channels, pad);
    std::fill(dst + static_cast<size_t>(inside_end - x0) * channels, dst + static_cast<size_t>(cols) * channels, pad);
    const bool crop_row = y >= crop_top && y < crop_top + crop_h && crop_begin < crop_end;
    if (!crop_row || crop_begin > inside_begin || crop_end < inside_end) {
      const float* from = base.data() + (static_cast<size_t>(y) * width + inside_begin) * channels;
      std::copy(from, from + static_cast<size_t>(inside_end - inside_begin) * channels,
                dst + static_cast<size_t>(inside_begin - x0) * channels);
    }
    if (crop_row) {
      const float* from = crop + (static_cast<size_t>(y - crop_top) * crop_w + (crop_begin - crop_left)) * channels;
      std::copy(from, from + static_cast<size_t>(crop_end - crop_begin) * channels,
                dst + static_cast<size_t>(crop_begin - x0) * channels);
    }
  }
}

// The largest extent of `changed` along rows (or columns), at least 1 and at most `side`.
int common_side(const std::vector<Region>& changed, bool rows, int side) {
  int largest = 1;
  for (const Region& r : changed) {
    if (!r.empty()) largest = std::max(largest, rows ? r.bottom - r.top : r.right - r.left);
  }
  return std::min(largest, side);
}

}  // namespace

RegionForward::RegionForward(Graph& graph, const Tensor& base, const std::string& until) {
  const std::vector<NodeInfo> nodes = graph.nodes();
  const auto index_of = [&](const std::string& name) {
    const auto found = std::find_if(nodes.begin(), nodes.end(), [&](const NodeInfo& n) { return n.name == name; });
    if (found == nodes.end()) fail("region forward: the graph has no node '", name, "'");
    return static_cast<int>(found - nodes.begin());
  };
  const int last = index_of(until);
  const Shape& in = base.shape();
  if (in.rank() != 4 || in.n() != 1) fail("region forward: the base input must be one image [1, H, W, C], got ", in.str());

  std::vector<bool> needed(last + 1, false);
  needed[0] = needed[last] = true;
  for (int i = last; i > 0; --i) {
    if (!needed[i]) continue;
    for (const std::string& input : nodes[i].inputs) needed[index_of(input)] = true;
  }
  std::vector<std::string> keep;
  for (int i = 0; i <= last; ++i) {
    if (needed[i]) keep.push_back(nodes[i].name);
  }
  graph.forward(base, {.keep = keep});

  std::vector<int> step_of(last + 1, -1);
  for (int i = 0; i <= last; ++i) {
    if (!needed[i]) continue;
    step_of[i] = static_cast<int>(steps_.size());
    Step& step = steps_.emplace_back();
    step.base = i == 0 ? base.clone() : graph.activation(nodes[i].name).clone();
    if (i == 0) continue;
    step.layer = &graph.layer(nodes[i].name);
    for (const std::string& input : nodes[i].inputs) step.inputs.push_back(step_of[index_of(input)]);
    step.gathered.resize(step.inputs.size());
    const std::optional<SlidingWindow> window = step.layer->sliding_window();
    const Step& source = steps_[step.inputs.front()];
    if (window && step.inputs.size() == 1 && source.spatial() && step.spatial()) {
      step.window = *window;
      step.pads = window->window.pads(source.height(), source.width());
      step.unpadded = step.layer->unpadded_copy();
    }
  }
  parts_.resize(steps_.size());
}

RegionForward::~RegionForward() = default;

const Tensor& RegionForward::forward(const Tensor& batch, std::span<const Region> changed) {
  const Shape& in = batch.shape();
  const Shape& expected = steps_.front().base.shape();
  if (in.rank() != 4 || in.h() != expected.h() || in.w() != expected.w() || in.c() != expected.c()) {
    fail("region forward: the batch ", in.str(), " does not match the base input ", expected.str());
  }
  const int items = in.n();
  if (static_cast<int>(changed.size()) != items) {
    fail("region forward: ", changed.size(), " changed regions for a batch of ", items);
  }
  Part& input = parts_.front();
  input.values = &batch;
  input.top.assign(items, 0);
  input.left.assign(items, 0);
  input.changed.clear();
  for (const Region& r : changed) input.changed.push_back(clipped(r, in.h(), in.w()));

  double computed = 0.0, full = 0.0;
  for (size_t s = 1; s < steps_.size(); ++s) {
    Step& step = steps_[s];
    Part& part = parts_[s];
    part.values = &part.crop;
    if (step.unpadded) {
      run_window(step, part, items);
    } else if (step.layer->per_pixel() && reads_same_map(step)) {
      run_per_pixel(step, part, items);
    } else {
      run_whole(step, part, items);
    }
    if (step.spatial()) {
      computed += static_cast<double>(part.crop.shape().h()) * part.crop.shape().w();
      full += static_cast<double>(step.height()) * step.width();
    }
  }
  computed_fraction_ = full > 0.0 ? computed / full : 1.0;
  return whole_values(steps_.size() - 1, output_);
}

// Places each item's crop of the common size over its changed region, kept inside the map.
void RegionForward::place_crops(Part& part, int crop_h, int crop_w, int height, int width) {
  part.top.clear();
  part.left.clear();
  for (const Region& r : part.changed) {
    part.top.push_back(r.empty() ? 0 : std::clamp(r.top, 0, height - crop_h));
    part.left.push_back(r.empty() ? 0 : std::clamp(r.left, 0, width - crop_w));
  }
}

void RegionForward::gather_item(int step, int item, int y0, int x0, int rows, int cols, float pad, float* dst) const {
  const Part& part = parts_[step];
  gather(*part.values, part.top[item], part.left[item], steps_[step].base, item, y0, x0, rows, cols, pad, dst);
}

bool RegionForward::reads_same_map(const Step& step) const {
  if (!step.spatial()) return false;
  return std::all_of(step.inputs.begin(), step.inputs.end(), [&](int input) {
    const Step& source = steps_[input];
    return source.spatial() && source.height() == step.height() && source.width() == step.width();
  });
}

void RegionForward::run_window(Step& step, Part& part, int items) {
  const int input = step.inputs.front();
  const Window2D& window = step.window.window;
  const int extent_h = (window.kernel_h - 1) * window.dilation_h + 1;
  const int extent_w = (window.kernel_w - 1) * window.dilation_w + 1;
  const int height = step.height(), width = step.width();
  part.changed.clear();
  for (const Region& r : parts_[input].changed) {
    const auto [top, bottom] = reached(r.top, r.bottom, window.stride_h, step.pads.top, extent_h, height);
    const auto [left, right] = reached(r.left, r.right, window.stride_w, step.pads.left, extent_w, width);
    const Region out{top, left, bottom, right};
    part.changed.push_back(out.empty() ? Region{} : out);
  }
  const int crop_h = common_side(part.changed, true, height), crop_w = common_side(part.changed, false, width);
  place_crops(part, crop_h, crop_w, height, width);

  const int rows = (crop_h - 1) * window.stride_h + extent_h, cols = (crop_w - 1) * window.stride_w + extent_w;
  const int channels = steps_[input].base.shape().c();
  Tensor& read = step.gathered.front();
  read.reshape_storage(Shape::nhwc(items, rows, cols, channels));
  for (int item = 0; item < items; ++item) {
    gather_item(input, item, part.top[item] * window.stride_h - step.pads.top,
                part.left[item] * window.stride_w - step.pads.left, rows, cols, step.window.pad_value,
                read.data() + static_cast<size_t>(item) * rows * cols * channels);
  }
  const Shape shapes[] = {read.shape()};
  part.crop.reshape_storage(step.unpadded->output_shape(shapes));
  if (part.crop.shape().h() != crop_h || part.crop.shape().w() != crop_w) {
    fail("region forward: '", step.layer->name(), "' computed a ", part.crop.shape().str(), " part where ", crop_h,
         " x ", crop_w, " was planned");
  }
  const Tensor* inputs[] = {&read};
  step.unpadded->forward(part.crop, inputs, Phase::inference);
}

void RegionForward::run_per_pixel(Step& step, Part& part, int items) {
  const int height = step.height(), width = step.width();
  part.changed.assign(items, Region{});
  for (int input : step.inputs) {
    for (int item = 0; item < items; ++item) {
      part.changed[item] = bounding(part.changed[item], parts_[input].changed[item]);
    }
  }
  const int crop_h = common_side(part.changed, true, height), crop_w = common_side(part.changed, false, width);
  place_crops(part, crop_h, crop_w, height, width);
  run_layer(step, part, items, crop_h, crop_w);
}

void RegionForward::run_whole(Step& step, Part& part, int items) {
  if (step.spatial()) {
    part.changed.assign(items, Region{0, 0, step.height(), step.width()});
    place_crops(part, step.height(), step.width(), step.height(), step.width());
  } else {
    part.changed.assign(items, Region{});
    part.top.assign(items, 0);
    part.left.assign(items, 0);
  }
  run_layer(step, part, items, -1, -1);
}

// Runs the step's own layer on each input gathered over the part's crops (crop_h x crop_w at the
// part's origins), or over whole inputs when crop_h is -1.
void RegionForward::run_layer(Step& step, Part& part, int items, int crop_h, int crop_w) {
  std::vector<const Tensor*> inputs;
  std::vector<Shape> shapes;
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    const int input = step.inputs[i];
    Tensor& gathered = step.gathered[i];
    if (crop_h >= 0) {
      const int channels = steps_[input].base.shape().c();
      gathered.reshape_storage(Shape::nhwc(items, crop_h, crop_w, channels));
      for (int item = 0; item < items; ++item) {
        gather_item(input, item, part.top[item], part.left[item], crop_h, crop_w, 0.0f,
                    gathered.data() + static_cast<size_t>(item) * crop_h * crop_w * channels);
      }
      inputs.push_back(&gathered);
    } else {
      inputs.push_back(&whole_values(input, gathered));
    }
    shapes.push_back(inputs.back()->shape());
  }
  part.crop.reshape_storage(step.layer->output_shape(shapes));
  step.layer->forward(part.crop, inputs, Phase::inference);
}

// Step `step`'s whole output for the batch: its values when they cover the map, else gathered
// into `scratch`.
const Tensor& RegionForward::whole_values(size_t step, Tensor& scratch) {
  const Step& s = steps_[step];
  const Part& part = parts_[step];
  if (!s.spatial() || (part.values->shape().h() == s.height() && part.values->shape().w() == s.width())) {
    return *part.values;
  }
  const int items = part.values->shape().n(), channels = s.base.shape().c();
  scratch.reshape_storage(Shape::nhwc(items, s.height(), s.width(), channels));
  for (int item = 0; item < items; ++item) {
    gather_item(static_cast<int>(step), item, 0, 0, s.height(), s.width(), 0.0f,
                scratch.data() + static_cast<size_t>(item) * s.height() * s.width() * channels);
  }
  return scratch;
}

}  // namespace camlens
