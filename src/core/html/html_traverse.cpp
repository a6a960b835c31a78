#include "core/html/html_traverse.hpp"

namespace realmap::html {

Node next_node(Node current, Node scope, bool skip_children) {
    if (!current) return Node();
    if (!skip_children && current.child_count() > 0) return current.child(0);
    Node n = current;
    while (n && n != scope) {
        Node sib = n.next_sibling();
        if (sib) return sib;
        n = n.parent();
    }
    return Node();
}

Node next_element(Node current, Node scope, bool skip_children) {
    Node n = next_node(current, scope, skip_children);
    while (n && !n.is_element()) n = next_node(n, scope, false);
    return n;
}

std::vector<Node> descendants(Node scope) {
    std::vector<Node> out;
    for_each_element(scope, [&](Node n) { out.push_back(n); });
    return out;
}

Node closest_ancestor(Node node, std::string_view tag) {
    for (Node p = node.parent(); p; p = p.parent())
        if (p.is(tag)) return p;
    return Node();
}

bool is_inside(Node node, Node ancestor) {
    for (Node n = node; n; n = n.parent())
        if (n == ancestor) return true;
    return false;
}

}  // namespace realmap::html
