// ListValue: the value of a Redis list — a sequence of binary strings with
// cheap pushes and pops at both ends.
//
// Layout: a ring of *nodes*,
// each one malloc'd buffer holding a run of elements packed back to back as
//     [varint len][bytes][reverse varint len]
// so an element costs its bytes plus two bytes of framing when shorter than
// 128 bytes. The trailing length lets the buffer be walked backwards (RPOP,
// LINDEX near the tail, LPOS with a negative rank). Live bytes sit in
// [begin, end) of the buffer with slack kept at the end that grows, so pushes
// and pops at either end of a node are amortised O(1) — a queue (RPUSH +
// LPOP) never shifts a node's bytes on every pop. The ring of node pointers
// holds one node inline, so a small list is exactly two allocations: this
// object and one node.
//
// Node fill follows list-max-listpack-size as Redis 7.2 reads it (ListLimits):
// negative values cap a node's bytes (-1 = 4 KB ... -5 = 64 KB), positive
// values cap its element count (with an 8 KB safety cap on bytes). An element
// too large for any node gets a node of its own.
//
// Encoding (OBJECT ENCODING): "listpack" while the whole list would fit in
// one node; growing past that turns it into "quicklist". Shrinking back to at
// most half a node's limits (Redis's hysteresis) compacts the list into one
// node and reports "listpack" again.
//
// Not thread-safe: the caller holds the stripe lock of the key that owns it.
// Views returned by reads stay valid until the next change to the list.
#ifndef SHOAL_SERVER_TYPES_LIST_VALUE_H_
#define SHOAL_SERVER_TYPES_LIST_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "server/store/compound_value.h"

namespace shoal {

// Node limits from list-max-listpack-size.
struct ListLimits {
  static constexpr size_t kUnlimited = ~size_t{0};
  size_t max_bytes = 8192;        // kUnlimited when the fill counts elements
  size_t max_count = kUnlimited;  // kUnlimited when the fill counts bytes

  static ListLimits FromFill(int64_t fill);
  // Would a node of `bytes` packed bytes and `count` elements be too big?
  bool Exceeds(size_t bytes, size_t count) const;
};

class ListValue final : public CompoundValue {
 public:
  enum class End { kHead, kTail };
  using Visitor = absl::FunctionRef<void(std::string_view element)>;

  // Largest element a list accepts (Redis: "Element too large").
  static constexpr size_t kMaxElement = (size_t{1} << 32) - 1024;

  ListValue() = default;
  ~ListValue() override;
  ListValue(const ListValue&) = delete;
  ListValue& operator=(const ListValue&) = delete;

  // CompoundValue.
  size_t MemoryBytes() const override;
  CompoundValue* Clone() const override;
  size_t Size() const override { return count_; }
  const char* EncodingName() const override { return quicklist_ ? "quicklist" : "listpack"; }

  bool is_quicklist() const { return quicklist_; }
  size_t node_count() const { return nodes_.size(); }

  // ---- Ends (the list must not be empty for Peek/Pop). ----
  void Push(End end, std::string_view element, const ListLimits& limits);
  std::string_view Peek(End end) const;
  void Pop(End end, const ListLimits& limits);

  // ---- By index (0 = head; the caller resolves negative indexes). ----
  // False when index >= Size().
  bool Get(size_t index, std::string_view* out) const;
  // Replaces the element at index (< Size()).
  void Set(size_t index, std::string_view element, const ListLimits& limits);

  // LINSERT: inserts `element` before or after the first element equal to
  // `pivot`; false when there is no such element.
  bool Insert(std::string_view pivot, std::string_view element, bool after,
              const ListLimits& limits);
  // LREM: removes up to |count| elements equal to `element`, from the head
  // when count > 0, from the tail when count < 0, all when 0. Returns how many.
  size_t Remove(std::string_view element, int64_t count, const ListLimits& limits);
  // LTRIM: keeps the elements [start, stop] (start <= stop < Size()).
  void Trim(size_t start, size_t stop, const ListLimits& limits);
  // Removes every element.
  void Clear();

  // Visits the elements [start, stop] (start <= stop < Size()) head to tail.
  void Range(size_t start, size_t stop, Visitor fn) const;
  // LPOS: indexes of elements equal to `element`, skipping the first
  // |rank| - 1 matches, scanning from the head (rank > 0) or the tail
  // (rank < 0), at most `maxlen` elements (0 = all), until `count` matches
  // (0 = all) are in *out.
  void Positions(std::string_view element, int64_t rank, size_t count, size_t maxlen,
                 std::vector<int64_t>* out) const;

 private:
  struct Node;
  struct Pos {
    size_t node;  // index in nodes_
    uint32_t off;  // byte offset of an element in that node (or its end)
  };

  // Node pointers in list order: a ring buffer that keeps one pointer inline.
  class NodeRing {
   public:
    NodeRing() = default;
    ~NodeRing();
    NodeRing(const NodeRing&) = delete;
    NodeRing& operator=(const NodeRing&) = delete;
    size_t size() const { return size_; }
    Node*& operator[](size_t i) { return slots()[(head_ + i) & (cap_ - 1)]; }
    Node* operator[](size_t i) const {
      return const_cast<NodeRing*>(this)->slots()[(head_ + i) & (cap_ - 1)];
    }
    void PushBack(Node* n);
    void PushFront(Node* n);
    void Insert(size_t i, Node* n);
    void Erase(size_t i);
    void Clear();
    size_t HeapBytes() const;  // the slot array, when not inline

   private:
    Node** slots() { return cap_ == 1 ? &one_ : many_; }
    void Resize(uint32_t new_cap);
    union {
      Node* one_ = nullptr;
      Node** many_;
    };
    uint32_t cap_ = 1;  // power of two; 1 = the inline slot
    uint32_t head_ = 0;
    uint32_t size_ = 0;
  };

  // Node memory.
  Node* NewNode(size_t cap);
  void FreeNode(Node* n);
  // A node holding just `element`, its slack before it or after it.
  Node* NewNodeWith(std::string_view element, bool slack_front);
  // Makes `len` bytes of room at offset `off` of nodes_[i] and returns where
  // (the node may move). When the node must be laid out again, its slack goes
  // to the front if `slack_front` (pushes at the head), else to the back.
  char* OpenGap(size_t i, uint32_t off, size_t len, bool slack_front);
  // Removes [off, off + len) from nodes_[i], moving the shorter side; returns
  // the new offset of the bytes that followed. The node may become empty.
  uint32_t CloseGap(size_t i, uint32_t off, size_t len);
  // Gives a mostly empty node's memory back.
  void MaybeShrinkNode(size_t i);

  // Can nodes_[i] take `bytes` more packed bytes and one more element?
  bool Accepts(size_t i, size_t bytes, const ListLimits& limits) const;
  // Inserts before the element at p (p.off may be the node's end).
  void InsertAt(Pos p, std::string_view element, const ListLimits& limits);
  // Node index and element index within it of element `index`.
  void Locate(size_t index, size_t* node, size_t* in_node) const;
  Pos PosOf(size_t index) const;
  // Erase `n` elements from one end.
  void EraseFront(size_t n);
  void EraseBack(size_t n);
  // Splits nodes_[i] at byte offset off: the bytes from off on go to a new
  // node at i + 1.
  void Split(size_t i, uint32_t off);
  // Merges nodes_[i + 1] into nodes_[i].
  void MergeNext(size_t i);

  // Encoding changes: before adding `add_bytes` packed bytes in `add_count`
  // elements (to quicklist), and after removing (back to listpack).
  void BeforeGrow(size_t add_bytes, size_t add_count, const ListLimits& limits);
  void AfterShrink(const ListLimits& limits);

  NodeRing nodes_;
  uint64_t count_ = 0;  // elements
  uint64_t bytes_ = 0;  // packed bytes of all elements
  uint64_t heap_ = 0;   // allocated bytes of the nodes
  bool quicklist_ = false;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_LIST_VALUE_H_
