#include "train/film_strip.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.h"
#include "explain/render.h"
#include "image/channels.h"
#include "image/preprocess.h"

namespace camlens {

namespace {

constexpr int kMargin = 6;
constexpr int kTitleHeight = 20;
constexpr int kBarHeight = 16;
constexpr int kBarGap = 3;
constexpr float kTitleText = 13.0f;
constexpr float kBarText = 11.5f;
constexpr TextColor kInk{25, 25, 25};
constexpr TextColor kTrack{232, 232, 232};
constexpr TextColor kTrueClass{120, 200, 130};
constexpr TextColor kWrongTop{235, 130, 130};
constexpr TextColor kOtherClass{160, 185, 230};

void fill(Image& image, int x, int y, int width, int height, TextColor color) {
  for (int row = std::max(0, y); row < std::min(image.height(), y + height); ++row) {
    for (int col = std::max(0, x); col < std::min(image.width(), x + width); ++col) {
      std::uint8_t* p = image.pixel(col, row);
      p[0] = color.r;
      p[1] = color.g;
      p[2] = color.b;
    }
  }
}

Image white(int width, int height) {
  Image image(width, height, 3);
  std::memset(image.data(), 255, image.size());
  return image;
}

void paste(Image& target, const Image& source, int x, int y) {
  for (int row = 0; row < source.height(); ++row) {
    std::memcpy(target.pixel(x, y + row), source.pixel(0, row), source.row_size());
  }
}

std::string percent(float probability) {
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", 100.0 * std::clamp(probability, 0.0f, 1.0f));
  return text;
}

void draw_bar(Image& image, int x, int y, int width, const ClassProbability& c, bool is_true, bool is_wrong_top,
              std::span<const std::string> labels, const Font& font) {
  fill(image, x, y, width, kBarHeight, kTrack);
  const int filled = static_cast<int>(std::lround(width * std::clamp(c.probability, 0.0f, 1.0f)));
  fill(image, x, y, filled, kBarHeight, is_true ? kTrueClass : is_wrong_top ? kWrongTop : kOtherClass);
  const std::string value = percent(c.probability);
  const int value_width = font.text_width(value, kBarText);
  const int text_y = y + (kBarHeight - static_cast<int>(kBarText)) / 2;
  const std::string& label = c.class_index >= 0 && static_cast<size_t>(c.class_index) < labels.size()
                                 ? labels[c.class_index]
                                 : c.label;
  font.draw(image, x + 3, text_y, font.fit(label, kBarText, width - value_width - 10), kBarText, kInk);
  font.draw(image, x + width - value_width - 3, text_y, value, kBarText, kInk);
}

}  // namespace

Image film_frame(const Image& probe, const ProbeFrame& frame, int epoch, std::span<const std::string> labels,
                 const Font& font, const FilmStyle& style) {
  if (style.picture_side < 16) fail("film_frame: the picture needs at least 16 pixels a side, got ", style.picture_side);
  if (frame.map.empty()) fail("film_frame: probe ", frame.probe.image, " has no map for epoch ", epoch);
  const Image picture = explain::fitted_picture(to_rgb(probe), style.picture_side);
  const explain::Map heat = explain::postprocess(frame.map, {picture.height(), picture.width()});
  const Image overlay = explain::overlay_image(picture, heat, style.colormap, style.alpha);

  const int width = style.picture_side + 2 * kMargin;
  const int bars_top = kTitleHeight + style.picture_side + kMargin;
  Image image = white(width, bars_top + 3 * (kBarHeight + kBarGap) + kMargin);
  const std::string title = "epoch " + std::to_string(epoch);
  font.draw(image, (width - font.text_width(title, kTitleText)) / 2, 3, title, kTitleText, kInk);
  paste(image, overlay, kMargin + (style.picture_side - overlay.width()) / 2,
        kTitleHeight + (style.picture_side - overlay.height()) / 2);
  for (size_t rank = 0; rank < std::min<size_t>(3, frame.top.size()); ++rank) {
    const ClassProbability& c = frame.top[rank];
    const bool is_true = c.class_index == frame.probe.true_class;
    draw_bar(image, kMargin, bars_top + static_cast<int>(rank) * (kBarHeight + kBarGap), style.picture_side, c, is_true,
             rank == 0 && !is_true, labels, font);
  }
  return image;
}

Image film_strip(std::span<const Image> frames, std::string_view title, const Font& font) {
  if (frames.empty()) fail("film_strip: a strip needs at least one frame");
  const int frame_width = frames.front().width(), frame_height = frames.front().height();
  for (const Image& frame : frames) {
    if (frame.width() != frame_width || frame.height() != frame_height || frame.channels() != 3) {
      fail("film_strip: every frame must be RGB of ", frame_width, "x", frame_height);
    }
  }
  const int count = static_cast<int>(frames.size());
  const int width = count * frame_width + (count - 1) * kMargin + 2 * kMargin;
  Image strip = white(width, kTitleHeight + kMargin + frame_height + kMargin);
  font.draw(strip, kMargin, kMargin, font.fit(title, kTitleText, width - 2 * kMargin), kTitleText, kInk);
  for (int i = 0; i < count; ++i) paste(strip, frames[i], kMargin + i * (frame_width + kMargin), kTitleHeight + kMargin);
  return strip;
}

}  // namespace camlens
