#include "core/v1/v1_label_variants.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

std::optional<V1Type> v1_type_from_name(std::string_view name) {
    if (name == "text") return V1Type::Text;
    if (name == "integer") return V1Type::Integer;
    if (name == "number") return V1Type::Number;
    if (name == "area") return V1Type::Area;
    if (name == "date") return V1Type::Date;
    return std::nullopt;
}

const char *v1_type_name(V1Type type) {
    switch (type) {
    case V1Type::Text: return "text";
    case V1Type::Integer: return "integer";
    case V1Type::Number: return "number";
    case V1Type::Area: return "area";
    case V1Type::Date: return "date";
    }
    return "text";
}

std::optional<std::string> LabelVariants::section_of_title(std::string_view title) const {
    auto it = titles_.find(match_norm(title));
    if (it == titles_.end()) return std::nullopt;
    return it->second;
}

const KeySpec *LabelVariants::key_for_label(const std::string &section, std::string_view label) const {
    auto it = labels_.find({section, match_norm(label)});
    if (it == labels_.end()) return nullptr;
    return &keys_.at(section)[it->second];
}

const KeySpec *LabelVariants::key(const std::string &section, const std::string &canonical_key) const {
    auto it = keys_.find(section);
    if (it == keys_.end()) return nullptr;
    for (const KeySpec &k : it->second)
        if (k.canonical_key == canonical_key) return &k;
    return nullptr;
}

const std::vector<KeySpec> &LabelVariants::keys(const std::string &section) const {
    static const std::vector<KeySpec> none;
    auto it = keys_.find(section);
    return it == keys_.end() ? none : it->second;
}

std::size_t LabelVariants::label_count() const {
    std::size_t n = 0;
    for (const auto &[s, ks] : keys_)
        for (const KeySpec &k : ks) n += k.variants.size();
    return n;
}

void LabelVariants::add_title(const std::string &section, const std::string &variant) {
    std::string norm = match_norm(variant);
    keys_[section];  // a section with titles exists even without keys
    if (norm.empty()) {
        warnings_.push_back("section title variant \"" + variant + "\" of " + section + " has no letters or digits");
        return;
    }
    auto [it, inserted] = titles_.emplace(norm, section);
    if (!inserted && it->second != section)
        warnings_.push_back("section title variant \"" + variant + "\" names " + it->second + " and " + section +
                            "; " + it->second + " wins");
}

void LabelVariants::add_label(const std::string &section, const std::string &canonical_key,
                              const std::string &variant, const std::string &v1_key, std::optional<V1Type> type) {
    std::vector<KeySpec> &ks = keys_[section];
    auto kit = std::find_if(ks.begin(), ks.end(), [&](const KeySpec &k) { return k.canonical_key == canonical_key; });
    if (kit == ks.end()) {
        ks.push_back(KeySpec{section, canonical_key, v1_key, type, {}, {}});
        kit = ks.end() - 1;
    } else if (kit->v1_key != v1_key || kit->type != type) {
        warnings_.push_back("label variant \"" + variant + "\" gives " + section + "." + canonical_key +
                            " another V1 key or type; the first row's is kept");
    }
    std::string norm = match_norm(variant);
    if (norm.empty()) {
        warnings_.push_back("label variant \"" + variant + "\" of " + section + "." + canonical_key +
                            " has no letters or digits");
        return;
    }
    kit->variants.push_back(variant);
    kit->norms.push_back(norm);
    std::size_t index = static_cast<std::size_t>(kit - ks.begin());
    auto [it, inserted] = labels_.emplace(std::make_pair(section, norm), index);
    if (!inserted && it->second != index)
        warnings_.push_back("label variant \"" + variant + "\" names " + section + "." +
                            ks[it->second].canonical_key + " and " + section + "." + canonical_key + "; " +
                            ks[it->second].canonical_key + " wins");
}

namespace {

std::string text_member(const json &row, const char *key, const std::string &where, bool required) {
    auto it = row.find(key);
    if (it == row.end() || it->is_null()) {
        if (required) throw Error("22023", "label variants: " + where + " has no " + key);
        return {};
    }
    if (!it->is_string()) throw Error("22023", "label variants: " + where + "." + key + " must be a string");
    std::string v = it->get<std::string>();
    if (required && clean_text(v).empty()) throw Error("22023", "label variants: " + where + "." + key + " is empty");
    return v;
}

const json &array_member(const json &variants, const char *key) {
    static const json empty = json::array();
    auto it = variants.find(key);
    if (it == variants.end() || it->is_null()) return empty;
    if (!it->is_array()) throw Error("22023", std::string("label variants: \"") + key + "\" must be an array");
    return *it;
}

}  // namespace

LabelVariants label_variants_from_json(const json &variants) {
    if (!variants.is_object())
        throw Error("22023", "label variants must be a JSON object {\"sections\": [...], \"labels\": [...]}");
    LabelVariants lv;
    const json &sections = array_member(variants, "sections");
    for (std::size_t i = 0; i < sections.size(); ++i) {
        std::string where = "sections[" + std::to_string(i) + "]";
        if (!sections[i].is_object()) throw Error("22023", "label variants: " + where + " must be an object");
        lv.add_title(text_member(sections[i], "section", where, true), text_member(sections[i], "variant", where, true));
    }
    const json &labels = array_member(variants, "labels");
    std::vector<std::pair<long long, std::size_t>> order;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        std::string where = "labels[" + std::to_string(i) + "]";
        if (!labels[i].is_object()) throw Error("22023", "label variants: " + where + " must be an object");
        long long pos = 0;
        auto p = labels[i].find("position");
        if (p != labels[i].end() && !p->is_null()) {
            if (!p->is_number_integer()) throw Error("22023", "label variants: " + where + ".position must be an integer");
            pos = p->get<long long>();
        }
        order.emplace_back(pos, i);
    }
    std::stable_sort(order.begin(), order.end());
    for (const auto &[pos, i] : order) {
        (void)pos;
        const json &row = labels[i];
        std::string where = "labels[" + std::to_string(i) + "]";
        std::string section = text_member(row, "section", where, true);
        std::string key = text_member(row, "canonical_key", where, true);
        std::string variant = text_member(row, "variant", where, true);
        std::string v1_key = text_member(row, "v1_key", where, false);
        std::string type_name = text_member(row, "v1_type", where, false);
        std::optional<V1Type> type;
        if (!type_name.empty()) {
            type = v1_type_from_name(type_name);
            if (!type)
                throw Error("22023", "label variants: " + where + ".v1_type \"" + type_name +
                                         "\" is not one of text, integer, number, area, date");
        }
        if (v1_key.empty() != !type.has_value())
            throw Error("22023", "label variants: " + where + " must have both v1_key and v1_type, or neither");
        lv.add_label(section, key, variant, v1_key, type);
    }
    return lv;
}

}  // namespace realmap::v1
