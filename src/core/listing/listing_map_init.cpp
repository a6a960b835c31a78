#include "core/listing/listing_map_init.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include "core/html/html_entities.hpp"
#include "core/html/html_query.hpp"
#include "core/html/html_text.hpp"
#include "core/html/js_string_literal.hpp"

namespace realmap::listing {

namespace {

using nlohmann::json;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

struct CallArgument {
    bool found = false;
    std::string decoded;   // as JavaScript reads it
    std::string raw;       // between the quotes, undecoded
    bool terminated = false;
};

// The first string argument of the first map_init(...) call in `script`.
CallArgument first_map_init_argument(std::string_view script) {
    CallArgument arg;
    static constexpr std::string_view kName = "map_init";
    std::size_t from = 0;
    while ((from = script.find(kName, from)) != std::string_view::npos) {
        std::size_t i = from + kName.size();
        bool part_of_name = from > 0 && (std::isalnum(static_cast<unsigned char>(script[from - 1])) ||
                                         script[from - 1] == '_' || script[from - 1] == '$');
        from = i;
        if (part_of_name) continue;
        while (i < script.size() && is_space(script[i])) ++i;
        if (i >= script.size() || script[i] != '(') continue;
        ++i;
        while (i < script.size() && is_space(script[i])) ++i;
        if (i >= script.size() || (script[i] != '\'' && script[i] != '"')) continue;  // the definition
        html::JsStringLiteral lit = html::decode_js_string_literal(script, i);
        arg.found = true;
        arg.decoded = std::move(lit.value);
        arg.terminated = lit.terminated;
        std::size_t raw_end = lit.terminated ? lit.end - 1 : script.size();
        arg.raw = std::string(script.substr(i + 1, raw_end - (i + 1)));
        return arg;
    }
    return arg;
}

// The longest prefix of a JSON array text that ends after a complete top-level element,
// closed with ']'; "" when not even one element is complete.
std::string complete_array_prefix(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size() || text[i] != '[') return {};
    int depth = 0;
    bool in_string = false, escaped = false;
    std::size_t last_complete = std::string_view::npos;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') ++depth;
        else if (c == ']' || c == '}') {
            --depth;
            if (depth == 1) last_complete = i;
            if (depth <= 0) break;
        }
    }
    if (last_complete == std::string_view::npos) return {};
    return std::string(text.substr(0, last_complete + 1)) + "]";
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    std::size_t at = 0;
    while ((at = s.find(from, at)) != std::string::npos) {
        s.replace(at, from.size(), to);
        at += to.size();
    }
    return s;
}

std::string as_text(const json &obj, const char *key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return {};
    // JSON's \u0000 would reach PostgreSQL as a NUL it cannot store
    if (it->is_string()) return html::sanitize_utf8(it->get<std::string>());
    return it->dump();
}

// The (entity-decoded) value of attribute `name` in a tag's attribute text
// (` href=x.aspx?MyID=MQ==` or `href="..."`); "" when absent.
std::string attribute_of(std::string_view attrs, std::string_view name) {
    std::size_t i = 0;
    while (i < attrs.size()) {
        while (i < attrs.size() && (is_space(attrs[i]) || attrs[i] == '/')) ++i;
        std::size_t key_start = i;
        while (i < attrs.size() && !is_space(attrs[i]) && attrs[i] != '=' && attrs[i] != '>') ++i;
        std::string_view key = attrs.substr(key_start, i - key_start);
        while (i < attrs.size() && is_space(attrs[i])) ++i;
        std::string value;
        if (i < attrs.size() && attrs[i] == '=') {
            ++i;
            while (i < attrs.size() && is_space(attrs[i])) ++i;
            if (i < attrs.size() && (attrs[i] == '"' || attrs[i] == '\'')) {
                char q = attrs[i++];
                std::size_t end = attrs.find(q, i);
                if (end == std::string_view::npos) end = attrs.size();
                value = std::string(attrs.substr(i, end - i));
                i = end + 1;
            } else {
                std::size_t start = i;
                while (i < attrs.size() && !is_space(attrs[i]) && attrs[i] != '>') ++i;
                value = std::string(attrs.substr(start, i - start));
            }
        }
        if (key.empty()) {
            ++i;
            continue;
        }
        if (html::iequals_ascii(key, name)) return html::decode_html_entities(value);
    }
    return {};
}

void add_warning(MapInitPayload &p, std::string w) {
    if (p.warnings.size() < 100) p.warnings.push_back(std::move(w));
}

}  // namespace

void parse_map_description(std::string_view d, MapEntry &entry) {
    // A light scanner rather than the HTML parser: the descriptions are "Key : Value"
    // lines separated by <br/> with one <a href=...>, and a gumbo parse each would cost
    // more than everything else on the page.  Tags are dropped, line-breaking tags
    // (br, p, div, li, tr) end a line, script/style contents are skipped, character
    // references are decoded.
    std::string line;
    auto flush = [&] {
        std::string text = html::collapse_whitespace(html::decode_html_entities(line));
        line.clear();
        std::size_t colon = text.find(':');
        if (colon == std::string::npos) return;
        std::string key = html::ascii_lower(html::collapse_whitespace(text.substr(0, colon)));
        std::string value = html::collapse_whitespace(text.substr(colon + 1));
        if (!key.empty()) entry.fields.emplace(std::move(key), std::move(value));  // first wins
    };
    std::size_t i = 0;
    while (i < d.size()) {
        std::size_t lt = d.find('<', i);
        line.append(d.substr(i, lt == std::string_view::npos ? std::string_view::npos : lt - i));
        if (lt == std::string_view::npos) break;
        std::size_t name_start = lt + 1;
        bool closing = name_start < d.size() && d[name_start] == '/';
        if (closing) ++name_start;
        std::size_t name_end = name_start;
        while (name_end < d.size() && std::isalnum(static_cast<unsigned char>(d[name_end]))) ++name_end;
        if (name_end == name_start && !(name_start < d.size() && d[name_start] == '!')) {
            line.push_back('<');  // a lone '<' is text
            i = lt + 1;
            continue;
        }
        std::size_t tag_end = html::tag_end(d, name_end);
        std::string name = html::ascii_lower(d.substr(name_start, name_end - name_start));
        i = tag_end;
        if (name == "br" || name == "p" || name == "div" || name == "li" || name == "tr") {
            flush();
        } else if (name == "a" && !closing && !entry.detail_href) {
            std::string href = attribute_of(d.substr(name_end, tag_end - name_end), "href");
            std::string_view h = html::trim_ascii(href);
            if (!h.empty()) entry.detail_href = std::string(h);
        } else if ((name == "script" || name == "style") && !closing) {
            std::size_t close = html::ifind_ascii(d.substr(i), "</" + name);
            i = close == std::string_view::npos ? d.size() : i + close;
        }
    }
    flush();
}

MapInitPayload read_map_init_script(std::string_view script_text) {
    MapInitPayload payload;
    CallArgument arg = first_map_init_argument(script_text);
    if (!arg.found) return payload;
    payload.found = true;
    if (!arg.terminated) add_warning(payload, "map_init payload is cut short (truncated page?)");

    json parsed = json::parse(arg.decoded, nullptr, false);
    if (parsed.is_discarded()) {
        // A server that escaped only the quotes ("'" -> "\'") and not the backslashes
        // of JSON escapes produces a literal JavaScript would mangle; try it as written.
        json as_written = json::parse(replace_all(arg.raw, "\\'", "'"), nullptr, false);
        if (!as_written.is_discarded()) parsed = std::move(as_written);
    }
    if (parsed.is_discarded()) {
        std::string prefix = complete_array_prefix(arg.decoded);
        if (!prefix.empty()) parsed = json::parse(prefix, nullptr, false);
        if (!parsed.is_discarded() && parsed.is_array())
            add_warning(payload, "map_init payload is not complete JSON: kept its first " +
                                     std::to_string(parsed.size()) + " complete entries");
    }
    if (parsed.is_discarded() || !parsed.is_array()) {
        add_warning(payload, "map_init payload is not a JSON array: ignored");
        return payload;
    }
    payload.entries.reserve(parsed.size());
    std::size_t index = 0;
    for (const json &e : parsed) {
        ++index;
        if (!e.is_object()) {
            add_warning(payload, "map_init entry " + std::to_string(index) + " is not an object");
            continue;
        }
        MapEntry entry;
        entry.title = html::collapse_whitespace(as_text(e, "title"));
        entry.location = as_text(e, "location");
        entry.development_type = html::collapse_whitespace(as_text(e, "development_type"));
        std::string description = as_text(e, "description");
        if (!description.empty()) parse_map_description(description, entry);
        payload.entries.push_back(std::move(entry));
    }
    return payload;
}

MapInitPayload read_map_init(html::Node scope) {
    MapInitPayload none;
    for (html::Node script : html::find_all_by_tag(scope, "script")) {
        std::string text = script.text_content();
        if (text.find("map_init") == std::string::npos) continue;
        MapInitPayload p = read_map_init_script(text);
        if (p.found) return p;
    }
    return none;
}

}  // namespace realmap::listing
