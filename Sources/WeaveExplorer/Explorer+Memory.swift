extension Explorer {
    /// Bytes of visited set per distinct state, known before the search starts.
    /// Exact: the packed state in the arena, its parent, outcome ordinal and depth (12
    /// bytes), and the hash table's 12-byte slots, kept at most half full (24 bytes or
    /// more). Fingerprints: one 8-byte slot per state in a table between 53% and 80%
    /// full (12 on average). The frontier (the states of the level being searched) and,
    /// with liveness, the state graph come on top; the arrays grow by doubling.
    ///
    /// Keep in step with `StateStore.memoryBytes` and `FingerprintSet`.
    public var estimatedBytesPerState: Int { fingerprintOnly ? 12 : stateBytes + 12 + 24 }
}
