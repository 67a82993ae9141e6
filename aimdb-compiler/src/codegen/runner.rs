//! How a task starts a user function: through the runtime's runner in
//! `aimdb::__private::glue`, spanned at the user's token.

use proc_macro2::TokenStream;
use quote::{format_ident, quote_spanned};

use crate::model::{Function, Runtime};

/// Start a user function with its handles; `types` are the runner's leading type arguments
/// (the record types), its last two (function and future or result) are inferred. The call is spanned at the user's token, and its
/// bounds are the type check, so a wrong signature is reported on the user's function. Tokio
/// tasks run on a multi-threaded runtime, so there the function must also be `Send`.
pub(super) fn start(
    function: &Function,
    types: TokenStream,
    role: &str,
    runtime: Runtime,
    handles: TokenStream,
) -> TokenStream {
    let runner = format_ident!(
        "run_{}{}",
        role,
        super::bindings::backend(runtime).runner_suffix
    );
    let expr = &function.expr;
    // Every token literal here (and the `.await`), so the call and the await carry the
    // user's span: rustc reports a wrong signature on the user's function, not the macro.
    if types.is_empty() {
        return quote_spanned!(function.span.token()=> ::aimdb::__private::glue::#runner(#expr, #handles).await);
    }
    quote_spanned!(function.span.token()=> ::aimdb::__private::glue::#runner::<#types, _, _>(#expr, #handles).await)
}
