//! `.transform(INPUT_KEY, |b| b.map(f))` and
//! `.transform_join(|b| b.input::<A>(K1).input::<B>(K2).on_triggers(h))`: the builder
//! closure, walked call by call into a [`Transform`].
//!
//! The parser only records what was written; rules about the whole node (inputs that name
//! no record, types that differ, cycles, a join without inputs, an input twice) live in
//! [`crate::check`], so a topology file front end gets them too.

use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall, Stmt};

use super::parts::{closure_parameter, function, key, type_ref};
use crate::diagnostic::{Diagnostic, Span};
use crate::finding::Ctxt;
use crate::model::{Handler, HandlerKind, Input, Transform, TransformKind};
use crate::suggest::did_you_mean;

const SINGLE_SHAPE: &str = "write `.transform(InputKey::Raw, |b| b.map(f))` with `f: fn(&In) -> Out` (or `-> Option<Out>`), or `.transform(InputKey::Raw, |b| b.on_input(|mut rx, producer| async move { .. }))`";
const JOIN_SHAPE: &str = "write `.transform_join(|b| b.input::<A>(KeyA).input::<B>(KeyB).on_triggers(|mut rx, producer| async move { while let Ok(trigger) = rx.recv().await { .. } }))`";

/// The builder methods, for did-you-mean.
const METHODS: [&str; 4] = ["input", "map", "on_input", "on_triggers"];

/// Parse one transform call; `args` are the call's arguments (arity already checked).
pub(super) fn parse(
    call: &ExprMethodCall,
    kind: TransformKind,
    seq: usize,
    cx: &Ctxt,
) -> Transform {
    let span: Span = call.method.span().into();
    let mut transform = Transform {
        kind,
        inputs: Vec::new(),
        handler: None,
        span,
        seq,
    };
    let shape = match kind {
        TransformKind::Single => SINGLE_SHAPE,
        TransformKind::Join => JOIN_SHAPE,
    };
    let closure_arg = match kind {
        TransformKind::Single => {
            match key(&call.args[0]) {
                Ok(key) => transform.inputs.push(Input {
                    span: key.span,
                    key,
                    value_type: None,
                }),
                Err(d) => cx.push(d),
            }
            &call.args[1]
        }
        TransformKind::Join => &call.args[0],
    };
    let Expr::Closure(closure) = closure_arg else {
        cx.push(
            Diagnostic::error(
                closure_arg.span(),
                format!("expected the builder closure of `.{}`", kind.method()),
            )
            .help(shape),
        );
        return transform;
    };
    let receiver = match closure_parameter(closure) {
        Ok(receiver) => receiver,
        Err(d) => {
            cx.push(d.help(shape));
            return transform;
        }
    };
    let Some(chain) = body_chain(&closure.body) else {
        cx.push(
            Diagnostic::error(
                closure.body.span(),
                format!("expected a builder chain on `{receiver}`"),
            )
            .help(shape),
        );
        return transform;
    };
    let before = cx.len();
    let mut walker = Walker {
        transform,
        receiver,
        shape,
        cx,
    };
    walker.walk(chain);
    // A builder call already reported (a misspelled or misplaced handler) says enough.
    if walker.transform.handler.is_none() && walker.cx.len() == before {
        let method = kind.method();
        let handler = match kind {
            TransformKind::Single => "`.map(f)` or `.on_input(..)`",
            TransformKind::Join => "`.on_triggers(..)`",
        };
        walker.cx.push(
            Diagnostic::error(span, format!("`.{method}` has no handler"))
                .help(format!("end the builder with {handler}: {shape}")),
        );
    }
    walker.transform
}

/// The closure body's one expression: `b.x()..` or `{ b.x().. }`.
fn body_chain(body: &Expr) -> Option<&Expr> {
    match body {
        Expr::Block(block) => match block.block.stmts.as_slice() {
            [Stmt::Expr(expr, None)] => Some(expr),
            _ => None,
        },
        expr => Some(expr),
    }
}

struct Walker<'a> {
    transform: Transform,
    receiver: String,
    shape: &'static str,
    cx: &'a Ctxt,
}

impl Walker<'_> {
    fn walk(&mut self, expr: &Expr) {
        let mut calls = Vec::new();
        let mut base = expr;
        while let Expr::MethodCall(call) = base {
            calls.push(call);
            base = &call.receiver;
        }
        calls.reverse();
        let starts_at_receiver =
            matches!(base, Expr::Path(path) if path.path.is_ident(&self.receiver));
        if !starts_at_receiver {
            self.cx.push(
                Diagnostic::error(
                    base.span(),
                    format!("expected a builder chain on `{}`", self.receiver),
                )
                .help(self.shape),
            );
            return;
        }
        for call in calls {
            self.call(call);
        }
    }

    fn call(&mut self, call: &ExprMethodCall) {
        let name = call.method.to_string();
        let span: Span = call.method.span().into();
        let kind = self.transform.kind;
        if let Some(handler) = &self.transform.handler {
            self.cx.push(
                Diagnostic::error(
                    span,
                    format!(
                        "`.{name}` comes after the handler `.{}`",
                        handler.kind.method()
                    ),
                )
                .help("the handler ends the builder: declare the inputs first, then one handler"),
            );
            return;
        }
        if METHODS.contains(&name.as_str()) && call.args.len() != 1 {
            self.cx.push(
                Diagnostic::error(
                    span,
                    format!("`.{name}` takes one argument, found {}", call.args.len()),
                )
                .help(self.shape),
            );
            return;
        }
        let handler = match (name.as_str(), kind) {
            ("input", TransformKind::Join) => {
                self.input(call, span);
                return;
            }
            ("input", TransformKind::Single) => {
                self.cx.push(
                    Diagnostic::error(span, "`.transform` reads the one record given as its first argument")
                        .help("to read several records, use `.transform_join(|b| b.input::<A>(KeyA).input::<B>(KeyB).on_triggers(..))`"),
                );
                return;
            }
            ("map", TransformKind::Single) => HandlerKind::Map,
            ("on_input", TransformKind::Single) => HandlerKind::OnInput,
            ("on_triggers", TransformKind::Join) => HandlerKind::OnTriggers,
            ("map" | "on_input", TransformKind::Join) => {
                self.cx.push(
                    Diagnostic::error(
                        span,
                        format!("a join's handler is `.on_triggers(..)`, not `.{name}`"),
                    )
                    .help(self.shape),
                );
                return;
            }
            ("on_triggers", TransformKind::Single) => {
                self.cx.push(
                    Diagnostic::error(span, "`.on_triggers` is the handler of a `.transform_join`")
                        .help(self.shape),
                );
                return;
            }
            _ => {
                let help = match did_you_mean(&name, METHODS) {
                    Some(close) => format!("did you mean `.{close}`? {}", self.shape),
                    None => self.shape.to_owned(),
                };
                self.cx.push(
                    Diagnostic::error(
                        span,
                        format!(
                            "unknown method `.{name}` in the builder of `.{}`",
                            kind.method()
                        ),
                    )
                    .help(help),
                );
                return;
            }
        };
        self.transform.handler = Some(Handler {
            kind: handler,
            function: function(&call.args[0]),
            span,
        });
    }

    /// `.input::<T>(KEY)`; the type may be left out (the record's type is used).
    fn input(&mut self, call: &ExprMethodCall, span: Span) {
        let value_type = match &call.turbofish {
            None => None,
            Some(turbofish) => {
                let types: Vec<_> = turbofish.args.iter().collect();
                match types.as_slice() {
                    [syn::GenericArgument::Type(ty)] => Some(type_ref(ty)),
                    _ => {
                        self.cx.push(
                            Diagnostic::error(
                                turbofish.span(),
                                "`.input` takes one type: the input record's value type",
                            )
                            .help(
                                "write `.input::<SetpointRequest>(SetpointKey::RequestOperatorA)`",
                            ),
                        );
                        return;
                    }
                }
            }
        };
        match key(&call.args[0]) {
            Ok(key) => self.transform.inputs.push(Input {
                key,
                value_type,
                span,
            }),
            Err(d) => self.cx.push(d),
        }
    }
}
