/// Cuts an input into chunks whose sizes come from the input itself, so libFuzzer explores where
/// reads end as well as what they hold: the first byte seeds the sizes, the rest is the data.
struct FuzzSplitter {
    private var state: UInt32

    /// A splitter seeded with `seed`.
    init(seed: UInt8) {
        self.state = UInt32(seed) &* 2_654_435_761 | 1
    }

    /// The next chunk size, 1 to `limit`, mostly small (header-sized) and sometimes large.
    mutating func nextSize(limit: Int) -> Int {
        self.state = self.state &* 1_103_515_245 &+ 12345
        let value = Int((self.state >> 8) & 0xFFFF)
        let size = value & 0x100 == 0 ? (value & 0xF) + 1 : value
        return max(1, min(size, limit))
    }

    /// `data` cut into consecutive slices.
    mutating func chunks(of data: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var result: [UnsafeRawBufferPointer] = []
        var offset = 0
        while offset < data.count {
            let size = self.nextSize(limit: data.count - offset)
            result.append(UnsafeRawBufferPointer(rebasing: data[offset..<(offset + size)]))
            offset += size
        }
        return result
    }
}
