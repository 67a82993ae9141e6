//! Ending the program: semihosting `SYS_EXIT_EXTENDED`, so QEMU exits with our status code.
//!
//! Requires QEMU's `-semihosting-config enable=on,target=native`. Without a debugger or
//! semihosting host the `BKPT` traps into HardFault; [`exit`] then parks the core, so it never
//! returns either way.

/// `SYS_EXIT_EXTENDED`: like `SYS_EXIT`, but the 32-bit ABI can carry an exit status.
const SYS_EXIT_EXTENDED: usize = 0x20;

/// `ADP_Stopped_ApplicationExit`: the reason code for "the program finished".
const ADP_STOPPED_APPLICATION_EXIT: usize = 0x20026;

/// Stop the machine; QEMU exits with status `code` (0 = success).
pub fn exit(code: u8) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, usize::from(code)];
    // SAFETY: `SYS_EXIT_EXTENDED` takes a pointer to a two-word parameter block, which lives
    // on our stack for the duration of the call.
    unsafe {
        cortex_m_semihosting::syscall(SYS_EXIT_EXTENDED, &block);
    }
    // A debugger may resume us: there is nothing left to run.
    loop {
        cortex_m::asm::wfi();
    }
}
