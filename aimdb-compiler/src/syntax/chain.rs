//! A record's method chain: `REG.buffer(..).source(f)...finish()`, walked call by call.

use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall, Stmt};

use super::method::{CHAIN_SUMMARY, Method};
use super::parts::{function, one_type};
use super::{buffer, expr_text, transform, url};
use crate::diagnostic::{Diagnostic, Span};
use crate::finding::Ctxt;
use crate::model::{
    Buffer, ChainEnds, Codec, ContractPin, LinkFrom, LinkTo, NamedCodec, Record, Source,
    SourceHandle, Tap, TransformKind,
};
use crate::suggest::did_you_mean;

/// Fill `record` from the closure body `|REG| body` (a block of chains, or one chain).
pub fn walk_closure(record: Record, receiver: String, body: &Expr, cx: &Ctxt) -> Record {
    let mut chain = Chain {
        record,
        receiver,
        pending: None,
        seq: 0,
        cx,
    };
    match body {
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
    chain.record
}

/// The link whose codec may come next.
#[derive(Clone, Copy)]
enum Pending {
    To(usize),
    From(usize),
    /// A link whose URL was already reported: its codec is accepted silently.
    Unreadable,
}

/// Walks a record's method chain, filling the record.
struct Chain<'a> {
    record: Record,
    receiver: String,
    pending: Option<Pending>,
    seq: usize,
    cx: &'a Ctxt,
}

impl Chain<'_> {
    /// The chain's ends (a record the token grammar builds always has them).
    fn chain_mut(&mut self) -> &mut ChainEnds {
        self.record.chain.get_or_insert(ChainEnds {
            finish: None,
            end: self.record.span,
        })
    }

    /// A diagnostic that leaves the record's call list unknown.
    fn fail(&mut self, diagnostic: Diagnostic) {
        self.record.complete = false;
        self.cx.push(diagnostic);
    }

    /// Walk one chain expression: `REG.a(..).b(..)...`.
    fn walk(&mut self, expr: &Expr) {
        // `.finish` without `()` (or any method written as a field): say so at the name.
        if let Expr::Field(field) = expr
            && let syn::Member::Named(name) = &field.member
            && (Method::parse(&name.to_string()).is_some() || name == "configure")
        {
            self.walk(&field.base);
            let call = if name == "finish" {
                "finish()"
            } else {
                "NAME(..)"
            };
            self.fail(
                Diagnostic::error(
                    name.span(),
                    format!("`.{name}` is a method: it needs its parentheses"),
                )
                .help(format!(
                    "write `.{}`",
                    call.replace("NAME", &name.to_string())
                )),
            );
            return;
        }
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
        self.chain_mut().end = span;
        if let Some(finish) = self.chain_mut().finish {
            let mut d = Diagnostic::error(span, format!("`.{name}` comes after `.finish()`")).help(
                "`.finish()` ends the record's configuration: move it to the end of the chain",
            );
            if let Some(at) = finish.describe() {
                d = d.note(format!("`.finish()` is at {at}"));
            }
            self.cx.push(d);
        }
        let Some(method) = Method::parse(&name) else {
            let help = match did_you_mean(&name, Method::names()) {
                Some(close) => format!("did you mean `.{close}`?"),
                None => CHAIN_SUMMARY.to_owned(),
            };
            self.pending = None;
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
            return;
        };
        let spec = method.spec();
        if call.args.len() != spec.arity {
            self.fail(Diagnostic::error(
                span,
                format!(
                    "`.{name}` takes {}, found {} arguments",
                    spec.arguments,
                    call.args.len()
                ),
            ));
            return;
        }
        let codec_call = matches!(
            method,
            Method::WithSerializerRaw | Method::WithDeserializerRaw | Method::WithCodec
        );
        let pending = if codec_call { self.pending } else { None };
        self.pending = None;
        match method {
            Method::Buffer => {
                let kind = buffer::parse(&call.args[0]).unwrap_or_else(|d| {
                    self.cx.push(d);
                    // Reported; a stand-in keeps "no buffer" quiet.
                    crate::model::BufferKind::SingleLatest
                });
                self.record.buffers.push(Buffer { kind, span });
            }
            Method::Source => {
                let seq = self.seq;
                self.record.sources.push(Source {
                    function: function(&call.args[0]),
                    span,
                    seq,
                });
            }
            Method::SourceHandle => {
                let seq = self.seq;
                self.record.source_handles.push(SourceHandle { span, seq });
            }
            Method::Tap => self.record.taps.push(Tap {
                function: function(&call.args[0]),
                span,
            }),
            Method::LinkTo => match url::parse(&call.args[0], "link_to") {
                Ok(url) => {
                    self.record.links_to.push(LinkTo {
                        url,
                        serializer: Codec::Missing,
                        named: None,
                        span,
                        codec_name: None,
                    });
                    self.pending = Some(Pending::To(self.record.links_to.len() - 1));
                }
                Err(d) => {
                    self.cx.push(d);
                    self.pending = Some(Pending::Unreadable);
                }
            },
            Method::LinkFrom => match url::parse(&call.args[0], "link_from") {
                Ok(url) => {
                    let seq = self.seq;
                    self.record.links_from.push(LinkFrom {
                        url,
                        deserializer: Codec::Missing,
                        named: None,
                        span,
                        seq,
                        codec_name: None,
                        external: false,
                    });
                    self.pending = Some(Pending::From(self.record.links_from.len() - 1));
                }
                Err(d) => {
                    self.cx.push(d);
                    self.pending = Some(Pending::Unreadable);
                }
            },
            Method::WithSerializerRaw | Method::WithDeserializerRaw => {
                let f = Codec::Given(Box::new(function(&call.args[0])));
                self.codec(&name, span, f, pending);
                self.pending = pending;
            }
            Method::WithCodec if pending.is_none() => self.cx.push(
                Diagnostic::error(span, "`.with_codec` must directly follow the link it encodes for")
                    .help("write it right after its link: `.link_to(\"mqtt://...\").with_codec(aimdb::codec::Postcard)`"),
            ),
            Method::WithCodec => {
                // A named codec: its `encode` on a link_to, its `decode` on a link_from.
                let method = match pending {
                    Some(Pending::From(_)) => "with_deserializer_raw",
                    _ => "with_serializer_raw",
                };
                let f = function(&call.args[0]);
                let named = NamedCodec::by_type_path(&f.text);
                self.codec(method, span, Codec::Named(Box::new(f)), pending);
                match pending {
                    Some(Pending::To(i)) => self.record.links_to[i].named = named,
                    Some(Pending::From(i)) => self.record.links_from[i].named = named,
                    _ => {}
                }
                self.pending = pending;
            }
            Method::Transform | Method::TransformJoin => {
                let kind = if method == Method::Transform {
                    TransformKind::Single
                } else {
                    TransformKind::Join
                };
                let transform = transform::parse(call, kind, self.seq, self.cx);
                self.record.transforms.push(transform);
            }
            Method::Accepts => {
                if let Some(older) = one_type(
                    call,
                    "`.accepts` needs the older version's type",
                    "`.accepts` takes one type: write one `.accepts::<V>()` per older version, newest first",
                    "name the older version the record accepts: `.accepts::<TemperatureV1>()`, with `impl From<TemperatureV1> for T`",
                    self.cx,
                ) {
                    self.record.accepts.push(older);
                }
            }
            Method::Contract => match &call.args[0] {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => match ContractPin::parse(&text.value(), text.span().into()) {
                    Some(pin) => self.record.contract = Some(pin),
                    None => self.cx.push(
                        Diagnostic::error(
                            text.span(),
                            format!("`.contract` takes a fingerprint, not {:?}", text.value()),
                        )
                        .help(format!(
                            "a fingerprint is {}: `.contract(\"d2660728cb357589\")`",
                            ContractPin::FORM
                        )),
                    ),
                },
                other => self.cx.push(
                    Diagnostic::error(
                        syn::spanned::Spanned::span(other),
                        "`.contract` takes the fingerprint as a string literal",
                    )
                    .help("write `.contract(\"d2660728cb357589\")`"),
                ),
            },
            Method::Finish => self.chain_mut().finish = Some(span),
        }
    }

    /// Attach a serializer or deserializer to the link just before it.
    fn codec(&mut self, name: &str, span: Span, codec: Codec, pending: Option<Pending>) {
        let outbound = name == "with_serializer_raw";
        let slot = match pending {
            Some(Pending::To(i)) => Some((true, &mut self.record.links_to[i].serializer)),
            Some(Pending::From(i)) => Some((false, &mut self.record.links_from[i].deserializer)),
            Some(Pending::Unreadable) => return,
            None => None,
        };
        let diagnostic = match slot {
            Some((is_to, slot)) if is_to == outbound => match slot {
                Codec::Given(_) | Codec::Named(_) => Some(
                    Diagnostic::error(span, format!("this link already has a {}", if outbound { "serializer" } else { "deserializer" }))
                        .help(format!("keep one `.{name}(..)` per link")),
                ),
                _ => {
                    *slot = codec;
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
            self.cx.push(d);
        }
    }
}
