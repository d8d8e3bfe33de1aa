//! A small arena DOM that html5ever's tree builder fills in, for [`super::sanitize`]'s walk.
//!
//! Nodes live in one `Vec` and refer to each other by index, so there are no reference cycles, dropping a
//! deep tree cannot overflow the stack, and every access is a checked `get` (a bad index is ignored, never a
//! panic). Comments, doctypes and processing instructions are kept only as inert placeholders.

use std::borrow::Cow;
use std::cell::RefCell;

use html5ever::interface::{ElemName, ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::TreeBuilderOpts;
use html5ever::{ns, Attribute, LocalName, Namespace, ParseOpts, QualName};

/// Index of a node in [`Dom::nodes`]; the document is 0.
pub(crate) type Id = usize;

/// What a node is.
#[derive(Debug)]
pub(crate) enum Data {
    /// The document, or a template's content fragment.
    Document,
    /// Text.
    Text(String),
    /// An element.
    Element {
        /// Namespaced name.
        name: QualName,
        /// Attributes, as parsed.
        attrs: Vec<Attribute>,
        /// For `<template>`: its content fragment.
        template: Option<Id>,
    },
    /// Comment, processing instruction: nothing to render.
    Other,
}

/// One node.
#[derive(Debug)]
pub(crate) struct Node {
    pub parent: Option<Id>,
    pub children: Vec<Id>,
    pub data: Data,
}

/// A parsed document.
pub(crate) struct Dom {
    pub nodes: Vec<Node>,
}

impl Dom {
    /// Parses a whole HTML document the way a browser with scripting disabled would (so `<noscript>`
    /// content is markup, as it is in a sandboxed frame without scripts).
    pub(crate) fn parse(html: &str) -> Dom {
        let opts = ParseOpts {
            tree_builder: TreeBuilderOpts {
                scripting_enabled: false,
                ..Default::default()
            },
            ..Default::default()
        };
        let sink = Sink {
            nodes: RefCell::new(vec![Node {
                parent: None,
                children: Vec::new(),
                data: Data::Document,
            }]),
        };
        let nodes = html5ever::parse_document(sink, opts).one(StrTendril::from(html));
        Dom { nodes }
    }

    /// The node at `id`, if any.
    pub(crate) fn get(&self, id: Id) -> Option<&Node> {
        self.nodes.get(id)
    }
}

struct Sink {
    nodes: RefCell<Vec<Node>>,
}

/// An element name handed back to the tree builder (owned: no borrow of the arena outlives a call).
#[derive(Debug)]
pub(crate) struct Name(QualName);

impl ElemName for Name {
    fn ns(&self) -> &Namespace {
        &self.0.ns
    }
    fn local_name(&self) -> &LocalName {
        &self.0.local
    }
}

impl Sink {
    fn push(&self, data: Data) -> Id {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node {
            parent: None,
            children: Vec::new(),
            data,
        });
        nodes.len() - 1
    }

    fn detach(nodes: &mut [Node], id: Id) {
        let Some(parent) = nodes.get_mut(id).and_then(|n| n.parent.take()) else {
            return;
        };
        if let Some(p) = nodes.get_mut(parent) {
            p.children.retain(|&c| c != id);
        }
    }

    /// Inserts `child` under `parent` at `pos` (or at the end), merging adjacent text.
    fn insert(&self, parent: Id, pos: Option<usize>, child: NodeOrText<Id>) {
        let mut nodes = self.nodes.borrow_mut();
        let len = nodes.get(parent).map_or(0, |p| p.children.len());
        let pos = pos.unwrap_or(len).min(len);
        match child {
            NodeOrText::AppendText(text) => {
                let prev = pos
                    .checked_sub(1)
                    .and_then(|i| nodes.get(parent)?.children.get(i).copied());
                if let Some(Node {
                    data: Data::Text(t),
                    ..
                }) = prev.and_then(|p| nodes.get_mut(p))
                {
                    t.push_str(&text);
                    return;
                }
                nodes.push(Node {
                    parent: Some(parent),
                    children: Vec::new(),
                    data: Data::Text(text.to_string()),
                });
                let id = nodes.len() - 1;
                if let Some(p) = nodes.get_mut(parent) {
                    p.children.insert(pos, id);
                }
            }
            NodeOrText::AppendNode(id) => {
                if id == parent || nodes.get(id).is_none() {
                    return;
                }
                Self::detach(&mut nodes, id);
                let len = nodes.get(parent).map_or(0, |p| p.children.len());
                if let Some(p) = nodes.get_mut(parent) {
                    p.children.insert(pos.min(len), id);
                }
                if let Some(n) = nodes.get_mut(id) {
                    n.parent = Some(parent);
                }
            }
        }
    }
}

impl TreeSink for Sink {
    type Handle = Id;
    type Output = Vec<Node>;
    type ElemName<'a> = Name;

    fn finish(self) -> Vec<Node> {
        self.nodes.into_inner()
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> Id {
        0
    }

    fn elem_name<'a>(&'a self, target: &'a Id) -> Name {
        match self.nodes.borrow().get(*target).map(|n| &n.data) {
            Some(Data::Element { name, .. }) => Name(name.clone()),
            _ => Name(QualName::new(None, ns!(), LocalName::from(""))),
        }
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Id {
        let template = flags.template.then(|| self.push(Data::Document));
        self.push(Data::Element {
            name,
            attrs,
            template,
        })
    }

    fn create_comment(&self, _text: StrTendril) -> Id {
        self.push(Data::Other)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Id {
        self.push(Data::Other)
    }

    fn append(&self, parent: &Id, child: NodeOrText<Id>) {
        self.insert(*parent, None, child);
    }

    fn append_based_on_parent_node(&self, element: &Id, prev_element: &Id, child: NodeOrText<Id>) {
        let has_parent = self
            .nodes
            .borrow()
            .get(*element)
            .is_some_and(|n| n.parent.is_some());
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        _name: StrTendril,
        _public_id: StrTendril,
        _system_id: StrTendril,
    ) {
    }

    fn get_template_contents(&self, target: &Id) -> Id {
        match self.nodes.borrow().get(*target).map(|n| &n.data) {
            Some(Data::Element {
                template: Some(t), ..
            }) => *t,
            _ => *target,
        }
    }

    fn same_node(&self, x: &Id, y: &Id) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &Id, new_node: NodeOrText<Id>) {
        let place = {
            let nodes = self.nodes.borrow();
            nodes.get(*sibling).and_then(|s| s.parent).and_then(|p| {
                let pos = nodes.get(p)?.children.iter().position(|c| c == sibling)?;
                Some((p, pos))
            })
        };
        if let Some((parent, pos)) = place {
            // Moving a node that sits before the sibling in the same parent shifts the sibling left.
            let adjust = match &new_node {
                NodeOrText::AppendNode(id) => {
                    let nodes = self.nodes.borrow();
                    nodes.get(*id).and_then(|n| n.parent) == Some(parent)
                        && nodes
                            .get(parent)
                            .and_then(|p| p.children.iter().position(|c| c == id))
                            .is_some_and(|i| i < pos)
                }
                NodeOrText::AppendText(_) => false,
            };
            self.insert(parent, Some(if adjust { pos - 1 } else { pos }), new_node);
        }
    }

    fn add_attrs_if_missing(&self, target: &Id, attrs: Vec<Attribute>) {
        let mut nodes = self.nodes.borrow_mut();
        if let Some(Node {
            data: Data::Element {
                attrs: existing, ..
            },
            ..
        }) = nodes.get_mut(*target)
        {
            for a in attrs {
                if !existing.iter().any(|e| e.name == a.name) {
                    existing.push(a);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &Id) {
        Self::detach(&mut self.nodes.borrow_mut(), *target);
    }

    fn reparent_children(&self, node: &Id, new_parent: &Id) {
        if node == new_parent {
            return;
        }
        let mut nodes = self.nodes.borrow_mut();
        let kids = nodes
            .get_mut(*node)
            .map(|n| std::mem::take(&mut n.children))
            .unwrap_or_default();
        for &k in &kids {
            if let Some(n) = nodes.get_mut(k) {
                n.parent = Some(*new_parent);
            }
        }
        if let Some(p) = nodes.get_mut(*new_parent) {
            p.children.extend(kids);
        }
    }
}
