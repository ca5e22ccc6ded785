extension Explorer {
    /// Bytes of store per distinct state, known before the search starts: the packed
    /// state in the arena, its parent, outcome ordinal and depth (12 bytes), and the
    /// hash table's 12-byte slots, kept at most half full (24 bytes or more).
    /// The arrays grow by doubling, so what is allocated can be up to twice this;
    /// the liveness pass's state graph comes on top.
    ///
    /// Keep in step with `StateStore.memoryBytes`.
    public var estimatedBytesPerState: Int { stateBytes + 12 + 24 }
}
