/// A set of strings (a room's member ids, or a socket's rooms) that holds zero or one element without
/// allocating. Most sets in an adapter hold exactly one: every socket is alone in its own-id room, and
/// an idle socket is in no other room.
struct RoomMemberSet: Sequence, Sendable {
    private enum Storage: Sendable {
        case none
        case one(String)
        case many(Set<String>)
    }

    private var storage: Storage

    /// A set holding `element`.
    init(_ element: String) {
        self.storage = .one(element)
    }

    /// A set holding `elements`.
    init(_ elements: Set<String>) {
        switch elements.count {
        case 0: self.storage = .none
        case 1: self.storage = .one(elements.first!)
        default: self.storage = .many(elements)
        }
    }

    var count: Int {
        switch self.storage {
        case .none: return 0
        case .one: return 1
        case .many(let set): return set.count
        }
    }

    var isEmpty: Bool { self.count == 0 }

    func contains(_ element: String) -> Bool {
        switch self.storage {
        case .none: return false
        case .one(let only): return only == element
        case .many(let set): return set.contains(element)
        }
    }

    /// The elements as a `Set`.
    var asSet: Set<String> {
        switch self.storage {
        case .none: return []
        case .one(let only): return [only]
        case .many(let set): return set
        }
    }

    /// Adds `element`; true when it was not there.
    @discardableResult
    mutating func insert(_ element: String) -> Bool {
        switch self.storage {
        case .none:
            self.storage = .one(element)
            return true
        case .one(let only):
            guard only != element else { return false }
            self.storage = .many([only, element])
            return true
        case .many(var set):
            self.storage = .none  // `set` is now the only reference: inserted in place
            let inserted = set.insert(element).inserted
            self.storage = .many(set)
            return inserted
        }
    }

    /// Removes `element`; true when it was there.
    @discardableResult
    mutating func remove(_ element: String) -> Bool {
        switch self.storage {
        case .none:
            return false
        case .one(let only):
            guard only == element else { return false }
            self.storage = .none
            return true
        case .many(var set):
            self.storage = .none
            let removed = set.remove(element) != nil
            self.storage = set.count == 1 ? .one(set.first!) : .many(set)
            return removed
        }
    }

    func makeIterator() -> Iterator {
        switch self.storage {
        case .none: return Iterator(single: nil, many: nil)
        case .one(let only): return Iterator(single: only, many: nil)
        case .many(let set): return Iterator(single: nil, many: set.makeIterator())
        }
    }

    struct Iterator: IteratorProtocol {
        fileprivate var single: String?
        fileprivate var many: Set<String>.Iterator?

        mutating func next() -> String? {
            if let single = self.single {
                self.single = nil
                return single
            }
            return self.many?.next()
        }
    }
}
