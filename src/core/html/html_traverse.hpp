// Document-order walks over elements, without recursion: the pages are sloppy and
// deep, and these run inside a database backend whose stack is not ours to spend.
#pragma once

#include <type_traits>
#include <vector>

#include "core/html/html_node.hpp"

namespace realmap::html {

// The node (element, text, comment) after `current` in document order within
// `scope`'s subtree, scope excluded; null when the walk is over.
Node next_node(Node current, Node scope, bool skip_children = false);

// The element after `current` in document order (pre-order) within `scope`'s
// subtree, scope itself excluded; a null Node when the walk is over.  With
// skip_children, current's own descendants are passed over.
Node next_element(Node current, Node scope, bool skip_children = false);

// Calls f(element) for every element below scope (scope excluded), in document
// order.  f may return void, or bool: false stops the walk.
template <class F>
void for_each_element(Node scope, F &&f) {
    for (Node n = next_element(scope, scope); n; n = next_element(n, scope)) {
        if constexpr (std::is_same_v<std::invoke_result_t<F, Node>, bool>) {
            if (!f(n)) return;
        } else {
            f(n);
        }
    }
}

// Every element below scope, in document order.
std::vector<Node> descendants(Node scope);

// Nearest ancestor (the node itself excluded) named `tag`; null if none.
Node closest_ancestor(Node node, std::string_view tag);

// Whether `node` lies inside `ancestor`'s subtree (node == ancestor counts).
bool is_inside(Node node, Node ancestor);

}  // namespace realmap::html
