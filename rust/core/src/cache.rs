//! Cache hints shared by the kernels.

/// Hint the CPU to start loading `v[i]` (nothing where unsupported or out of range). Used a
/// fixed distance ahead in loops whose loads the hardware does not see coming (random cells),
/// and on input streams read beside random table lookups, where this VM's hardware prefetch
/// fell behind (the text factorizer's view loads: 12.7 -> 5.3 ms in `tally`, issue 22).
#[inline(always)]
pub(crate) fn prefetch<T>(v: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = v.get(i) {
        // SAFETY: a prefetch has no architectural effect, and the address is valid anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                std::ptr::from_ref::<T>(x).cast(),
            );
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}
