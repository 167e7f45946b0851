#pragma once
// An optional value kept on the heap: what std::optional<T> offers that the queue uses (test,
// *, ->, assign a T, reset), at the size of one pointer. For records most parts never have (a
// queue part's dispatch and run, ~300 bytes together): 20 000 requests read with their history
// would otherwise carry them all, empty, in memory the kernel must zero.
#include <memory>
#include <optional>
#include <utility>

namespace rwkvq {

template <class T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(std::nullopt_t) {}  // NOLINT: as std::optional
  Boxed(const T& v) : p_(std::make_unique<T>(v)) {}  // NOLINT: as std::optional
  Boxed(T&& v) : p_(std::make_unique<T>(std::move(v))) {}  // NOLINT: as std::optional
  Boxed(const std::optional<T>& v) : p_(v ? std::make_unique<T>(*v) : nullptr) {}  // NOLINT
  Boxed(const Boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  Boxed& operator=(std::nullopt_t) {
    p_.reset();
    return *this;
  }
  Boxed& operator=(const T& v) {
    p_ = std::make_unique<T>(v);
    return *this;
  }
  Boxed& operator=(T&& v) {
    p_ = std::make_unique<T>(std::move(v));
    return *this;
  }
  Boxed& operator=(const std::optional<T>& v) { return *this = Boxed(v); }
  Boxed& operator=(std::optional<T>&& v) { return v ? (*this = std::move(*v)) : (*this = std::nullopt); }

  bool has_value() const { return p_ != nullptr; }
  explicit operator bool() const { return p_ != nullptr; }
  T& operator*() { return *p_; }
  const T& operator*() const { return *p_; }
  T* operator->() { return p_.get(); }
  const T* operator->() const { return p_.get(); }
  void reset() { p_.reset(); }
  template <class... A>
  T& emplace(A&&... a) {
    p_ = std::make_unique<T>(std::forward<A>(a)...);
    return *p_;
  }

 private:
  std::unique_ptr<T> p_;
};

}  // namespace rwkvq
