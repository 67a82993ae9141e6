//! One `BUILDER.configure::<T>(KEY, |REG| { REG.method(..)...finish(); });` statement.

use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall, Stmt};

use super::{buffer, expr_text, type_text, url};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::{
    Buffer, Codec, Function, Key, LinkFrom, LinkTo, Record, Source, Tap, Transform, TypeRef,
};
use crate::suggest::did_you_mean;

const SHAPE: &str = "write `builder.configure::<Temperature>(ClimateKey::Reading, |reg| { reg.buffer(..).source(..).finish(); });`";

/// Every method a record's chain accepts, for did-you-mean.
pub const METHODS: [&str; 11] = [
    "buffer",
    "source",
    "tap",
    "link_to",
    "with_serializer_raw",
    "link_from",
    "with_deserializer_raw",
    "transform",
    "transform_join",
    "finish",
    "configure",
];

/// Parse one statement of the body into a record, or report why it is not one.
pub fn parse(statement: &Stmt, diagnostics: &mut Vec<Diagnostic>) -> Option<Record> {
    let call = match statement {
        Stmt::Expr(Expr::MethodCall(call), _) => call,
        other => {
            diagnostics.push(
                Diagnostic::error(
                    other.span(),
                    "expected a record: `builder.configure::<T>(KEY, |reg| ...)`",
                )
                .help(SHAPE),
            );
            return None;
        }
    };
    if call.method != "configure" {
        let name = call.method.to_string();
        let help = match did_you_mean(&name, ["configure"]) {
            Some(close) => format!("did you mean `.{close}`? {SHAPE}"),
            None => SHAPE.to_owned(),
        };
        diagnostics.push(
            Diagnostic::error(
                call.method.span(),
                format!("unknown builder method `.{name}`"),
            )
            .help(help),
        );
        return None;
    }
    let Some(value_type) = value_type(call, diagnostics) else {
        return None;
    };
    if call.args.len() != 2 {
        diagnostics.push(
            Diagnostic::error(
                call.method.span(),
                format!(
                    "`.configure` takes two arguments (the key and a closure), found {}",
                    call.args.len()
                ),
            )
            .help(SHAPE),
        );
        return None;
    }
    let key = key(&call.args[0]).map_err(|d| diagnostics.push(d)).ok()?;
    let closure = match &call.args[1] {
        Expr::Closure(closure) => closure,
        other => {
            diagnostics.push(
                Diagnostic::error(
                    other.span(),
                    "expected the record's closure: `|reg| { reg.buffer(..)...finish(); }`",
                )
                .help(SHAPE),
            );
            return None;
        }
    };
    let receiver = closure_parameter(closure)
        .map_err(|d| diagnostics.push(d))
        .ok()?;
    let mut chain = Chain {
        record: Record {
            key,
            value_type,
            span: call.method.span().into(),
            buffers: Vec::new(),
            sources: Vec::new(),
            taps: Vec::new(),
            links_to: Vec::new(),
            links_from: Vec::new(),
            transforms: Vec::new(),
            finish: None,
            chain_end: call.method.span().into(),
            complete: true,
        },
        receiver,
        pending: None,
        seq: 0,
        diagnostics,
    };
    match &*closure.body {
        Expr::Block(block) => {
            for statement in &block.block.stmts {
                match statement {
                    Stmt::Expr(expr, _) => chain.walk(expr),
                    other => chain.fail(
                        Diagnostic::error(
                            other.span(),
                            "only the record's method chain may appear here",
                        )
                        .help("write one chain: `reg.buffer(..).source(..).finish();`"),
                    ),
                }
            }
        }
        expr => chain.walk(expr),
    }
    Some(chain.record)
}

/// The `T` of `configure::<T>`.
fn value_type(call: &ExprMethodCall, diagnostics: &mut Vec<Diagnostic>) -> Option<TypeRef> {
    let help = "name the record's value type: `.configure::<Temperature>(KEY, |reg| ...)`";
    let Some(turbofish) = &call.turbofish else {
        diagnostics.push(
            Diagnostic::error(
                call.method.span(),
                "`.configure` needs the record's value type",
            )
            .help(help),
        );
        return None;
    };
    let types: Vec<_> = turbofish.args.iter().collect();
    match types.as_slice() {
        [syn::GenericArgument::Type(ty)] => Some(TypeRef {
            ty: ty.clone(),
            text: type_text(ty),
            span: ty.span().into(),
        }),
        _ => {
            diagnostics.push(
                Diagnostic::error(
                    turbofish.span(),
                    "`.configure` takes exactly one type: the record's value type",
                )
                .help(help),
            );
            None
        }
    }
}

/// A key: a path (`ClimateKey::Reading`) or a string literal.
fn key(expr: &Expr) -> Result<Key, Diagnostic> {
    let id = match expr {
        Expr::Path(path) if path.qself.is_none() => expr_text(expr),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(_),
            ..
        }) => expr_text(expr),
        other => {
            return Err(Diagnostic::error(other.span(), "a record key is a path or a string literal")
                .help("write a key variant (`ClimateKey::Reading`, from `#[derive(RecordKey)]`) or a string (`\"climate/zone-a/reading\"`)"));
        }
    };
    Ok(Key {
        id,
        expr: expr.clone(),
        span: expr.span().into(),
    })
}

/// The closure's one parameter: the name the chain must start from.
fn closure_parameter(closure: &syn::ExprClosure) -> Result<String, Diagnostic> {
    let inputs: Vec<_> = closure.inputs.iter().collect();
    let pattern = match inputs.as_slice() {
        [syn::Pat::Type(typed)] => &*typed.pat,
        [pattern] => *pattern,
        _ => {
            return Err(Diagnostic::error(
                closure.inputs.span(),
                "the record's closure takes one parameter",
            )
            .help("write `|reg| { reg.buffer(..)...finish(); }`"));
        }
    };
    match pattern {
        syn::Pat::Ident(ident) => Ok(ident.ident.to_string()),
        other => Err(Diagnostic::error(
            other.span(),
            "the record's closure parameter must be a name",
        )
        .help("write `|reg| { reg.buffer(..)...finish(); }`")),
    }
}

/// The link whose codec may come next.
#[derive(Clone, Copy)]
enum Pending {
    To(usize),
    From(usize),
}

/// Walks a record's method chain, filling the record.
struct Chain<'a> {
    record: Record,
    receiver: String,
    pending: Option<Pending>,
    seq: usize,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Chain<'_> {
    /// A diagnostic that leaves the record's call list unknown.
    fn fail(&mut self, diagnostic: Diagnostic) {
        self.record.complete = false;
        self.diagnostics.push(diagnostic);
    }

    /// Walk one chain expression: `REG.a(..).b(..)...`.
    fn walk(&mut self, expr: &Expr) {
        let mut calls = Vec::new();
        let mut base = expr;
        while let Expr::MethodCall(call) = base {
            calls.push(call);
            base = &call.receiver;
        }
        calls.reverse();
        match base {
            Expr::Path(path) if path.path.is_ident(&self.receiver) => {}
            Expr::Path(path) if path.path.get_ident().is_some() => {
                let receiver = self.receiver.clone();
                self.fail(
                    Diagnostic::error(base.span(), format!("this chain starts at `{}`, but the closure's parameter is `{receiver}`", expr_text(base)))
                        .help(format!("start the chain with `{receiver}.`")),
                );
                return;
            }
            other => {
                let receiver = self.receiver.clone();
                self.fail(
                    Diagnostic::error(
                        other.span(),
                        format!("expected a method chain on `{receiver}`"),
                    )
                    .help(format!(
                        "write `{receiver}.buffer(..).source(..).finish();`"
                    )),
                );
                return;
            }
        }
        for call in calls {
            self.call(call);
        }
    }

    fn call(&mut self, call: &ExprMethodCall) {
        let name = call.method.to_string();
        let span: Span = call.method.span().into();
        self.seq += 1;
        self.record.chain_end = span;
        if let Some(finish) = self.record.finish {
            let mut d = Diagnostic::error(span, format!("`.{name}` comes after `.finish()`")).help(
                "`.finish()` ends the record's configuration: move it to the end of the chain",
            );
            if let Some(at) = finish.describe() {
                d = d.note(format!("`.finish()` is at {at}"));
            }
            self.diagnostics.push(d);
        }
        let arity = match name.as_str() {
            "finish" => 0,
            _ => 1,
        };
        if METHODS.contains(&name.as_str()) && name != "configure" && call.args.len() != arity {
            let what = match name.as_str() {
                "finish" => "no arguments".to_owned(),
                "buffer" => "one argument, the buffer configuration".to_owned(),
                "link_to" | "link_from" => "one argument, the link URL".to_owned(),
                "transform" | "transform_join" => "its builder closure".to_owned(),
                _ => "one argument, a function".to_owned(),
            };
            self.fail(Diagnostic::error(
                span,
                format!(
                    "`.{name}` takes {what}, found {} arguments",
                    call.args.len()
                ),
            ));
            return;
        }
        let codec_call = matches!(
            name.as_str(),
            "with_serializer_raw" | "with_deserializer_raw"
        );
        let pending = if codec_call { self.pending } else { None };
        self.pending = None;
        match name.as_str() {
            "buffer" => {
                let kind = buffer::parse(&call.args[0]).unwrap_or_else(|d| {
                    self.diagnostics.push(d);
                    // Reported; a stand-in keeps "no buffer" quiet.
                    crate::model::BufferKind::SingleLatest
                });
                self.record.buffers.push(Buffer { kind, span });
            }
            "source" => {
                let seq = self.seq;
                self.record.sources.push(Source {
                    function: function(&call.args[0]),
                    span,
                    seq,
                });
            }
            "tap" => self.record.taps.push(Tap {
                function: function(&call.args[0]),
                span,
            }),
            "link_to" => match url::parse(&call.args[0], "link_to") {
                Ok(url) => {
                    self.record.links_to.push(LinkTo {
                        url,
                        serializer: Codec::Missing,
                        span,
                    });
                    self.pending = Some(Pending::To(self.record.links_to.len() - 1));
                }
                Err(d) => self.diagnostics.push(d),
            },
            "link_from" => match url::parse(&call.args[0], "link_from") {
                Ok(url) => {
                    let seq = self.seq;
                    self.record.links_from.push(LinkFrom {
                        url,
                        deserializer: Codec::Missing,
                        span,
                        seq,
                    });
                    self.pending = Some(Pending::From(self.record.links_from.len() - 1));
                }
                Err(d) => self.diagnostics.push(d),
            },
            "with_serializer_raw" | "with_deserializer_raw" => {
                self.codec(&name, span, function(&call.args[0]), pending);
                self.pending = pending;
            }
            "transform" | "transform_join" => {
                let seq = self.seq;
                self.record.transforms.push(Transform {
                    method: name.clone(),
                    span,
                    seq,
                });
                self.diagnostics.push(
                    Diagnostic::error(span, format!("`.{name}()` is not supported by this version of `topology!`"))
                        .help("produce the record with `.source(f)` for now; transforms and joins come with the next compiler release"),
                );
            }
            "finish" => self.record.finish = Some(span),
            _ => {
                let candidates = METHODS.iter().copied().filter(|m| *m != "configure");
                let help = match did_you_mean(&name, candidates) {
                    Some(close) => format!("did you mean `.{close}`?"),
                    None => "a record's chain uses: buffer, source, tap, link_to + with_serializer_raw, link_from + with_deserializer_raw, finish".to_owned(),
                };
                self.fail(
                    Diagnostic::error(
                        span,
                        format!(
                            "unknown method `.{name}` in the configuration of record `{}`",
                            self.record.key.id
                        ),
                    )
                    .help(help),
                );
            }
        }
    }

    /// Attach a serializer or deserializer to the link just before it.
    fn codec(&mut self, name: &str, span: Span, f: Function, pending: Option<Pending>) {
        let outbound = name == "with_serializer_raw";
        let slot = match pending {
            Some(Pending::To(i)) => Some((true, &mut self.record.links_to[i].serializer)),
            Some(Pending::From(i)) => Some((false, &mut self.record.links_from[i].deserializer)),
            None => None,
        };
        let diagnostic = match slot {
            Some((is_to, slot)) if is_to == outbound => match slot {
                Codec::Given(_) => Some(
                    Diagnostic::error(span, format!("this link already has a {}", if outbound { "serializer" } else { "deserializer" }))
                        .help(format!("keep one `.{name}(..)` per link")),
                ),
                _ => {
                    *slot = Codec::Given(f);
                    None
                }
            },
            Some((_, slot)) => {
                *slot = Codec::Reported;
                Some(if outbound {
                    Diagnostic::error(span, "`.with_serializer_raw` follows a `.link_from(..)`, which decodes what it receives")
                        .help("an inbound link takes `.with_deserializer_raw(f)` with `fn(&[u8]) -> Result<T, CodecError>`")
                } else {
                    Diagnostic::error(span, "`.with_deserializer_raw` follows a `.link_to(..)`, which encodes what it sends")
                        .help("an outbound link takes `.with_serializer_raw(f)` with `fn(&T, &mut [u8]) -> Result<usize, CodecError>`")
                })
            }
            None => Some(
                Diagnostic::error(span, format!("`.{name}` must directly follow the link it encodes for"))
                    .help(if outbound {
                        "write it right after its link: `.link_to(\"mqtt://...\").with_serializer_raw(f)`"
                    } else {
                        "write it right after its link: `.link_from(\"mqtt://...\").with_deserializer_raw(f)`"
                    }),
            ),
        };
        if let Some(d) = diagnostic {
            self.diagnostics.push(d);
        }
    }
}

/// A user function argument.
fn function(expr: &Expr) -> Function {
    Function {
        expr: expr.clone(),
        text: expr_text(expr),
        span: expr.span().into(),
    }
}
