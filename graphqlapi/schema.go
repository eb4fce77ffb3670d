package graphqlapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"regexp"
	"strings"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
	gqlast "github.com/vektah/gqlparser/v2/ast"

	"github.com/tokenadmin/tokenadmin/content"
)

// gqlSchemas is the GraphQL schema of the server's registry, built once
// in New: the graphql-go schema that runs the resolvers and the same
// schema loaded by gqlparser, whose validator words errors as graphql-js.
type gqlSchemas struct {
	schema     graphql.Schema
	validation *gqlast.Schema
	err        error // the registry could not be served; /graphql answers 500
}

// newGQLSchemas builds the schemas, logging what the registry holds that
// GraphQL cannot name.
func newGQLSchemas(reg *content.Registry, log *slog.Logger) *gqlSchemas {
	sc := &gqlSchemas{}
	var notes []string
	sc.schema, notes, sc.err = buildGraphQLSchema(reg)
	if sc.err == nil {
		sc.validation, sc.err = gqlparserSchema(sc.schema)
	}
	for _, n := range notes {
		log.Warn("graphql: left out of the schema", "reason", n)
	}
	if sc.err != nil {
		log.Error("graphql: cannot build the schema", "error", sc.err)
	}
	return sc
}

// gqlFilterOps are the operators of every <Scalar>FilterInput, as in
// Strapi; each is the REST operator with a "$" in front.
var (
	gqlScalarOps = []string{"eq", "eqi", "ne", "nei", "lt", "lte", "gt", "gte",
		"contains", "notContains", "containsi", "notContainsi", "startsWith", "endsWith"}
	gqlListOps = []string{"in", "notIn", "between"}
	gqlBoolOps = []string{"null", "notNull"}
)

// gqlBuilder builds one schema; its types are never shared with another.
type gqlBuilder struct {
	json       *graphql.Scalar
	filters    map[*graphql.Scalar]*graphql.InputObject
	dateFilter *graphql.InputObject
	pagination *graphql.InputObject
	pageInfo   *graphql.Object
	deleted    *graphql.Object

	typeNames    map[string]bool
	queries      graphql.Fields
	mutations    graphql.Fields
	notes        []string
	filterByName map[string]*graphql.InputObject // by content.TypeInfo.GraphQLFilter
}

func buildGraphQLSchema(reg *content.Registry) (graphql.Schema, []string, error) {
	b := &gqlBuilder{
		filters:   map[*graphql.Scalar]*graphql.InputObject{},
		typeNames: map[string]bool{},
		queries:   graphql.Fields{},
		mutations: graphql.Fields{},
	}
	for _, n := range []string{"Query", "Mutation", "Subscription", "String", "Int", "Float", "Boolean", "ID",
		"JSON", "PaginationArg", "Pagination", "DeleteMutationResponse", "StringFilterInput", "IntFilterInput",
		"FloatFilterInput", "BooleanFilterInput", "IDFilterInput", "DateFilterInput", "DateTimeFilterInput"} {
		b.typeNames[n] = true
	}
	b.json = graphql.NewScalar(graphql.ScalarConfig{
		Name:         "JSON",
		Description:  "Any JSON value: the value of a json attribute.",
		Serialize:    func(v any) any { return v },
		ParseValue:   func(v any) any { return v },
		ParseLiteral: jsonLiteral,
	})
	for _, t := range []*graphql.Scalar{graphql.String, graphql.Int, graphql.Float, graphql.Boolean, graphql.ID} {
		b.filters[t] = filterInput(t.Name()+"FilterInput", t)
	}
	b.dateFilter = filterInput("DateFilterInput", graphql.String)
	dateTimeFilter := filterInput("DateTimeFilterInput", graphql.String)
	b.filterByName = map[string]*graphql.InputObject{"DateFilterInput": b.dateFilter, "DateTimeFilterInput": dateTimeFilter}
	for _, f := range b.filters {
		b.filterByName[f.Name()] = f
	}
	b.pagination = graphql.NewInputObject(graphql.InputObjectConfig{
		Name: "PaginationArg",
		Fields: graphql.InputObjectConfigFieldMap{
			"page":     {Type: graphql.Int},
			"pageSize": {Type: graphql.Int},
			"start":    {Type: graphql.Int},
			"limit":    {Type: graphql.Int},
		},
	})
	nonNullInt := &graphql.Field{Type: graphql.NewNonNull(graphql.Int)}
	b.pageInfo = graphql.NewObject(graphql.ObjectConfig{
		Name:   "Pagination",
		Fields: graphql.Fields{"total": nonNullInt, "page": nonNullInt, "pageSize": nonNullInt, "pageCount": nonNullInt},
	})
	b.deleted = graphql.NewObject(graphql.ObjectConfig{
		Name:   "DeleteMutationResponse",
		Fields: graphql.Fields{"documentId": {Type: graphql.NewNonNull(graphql.ID)}},
	})

	for _, ct := range reg.Types() {
		b.addType(ct, dateTimeFilter)
	}
	if len(b.queries) == 0 {
		return graphql.Schema{}, b.notes, errors.New("the registry holds no content type to serve")
	}
	cfg := graphql.SchemaConfig{Query: graphql.NewObject(graphql.ObjectConfig{Name: "Query", Fields: b.queries})}
	if len(b.mutations) > 0 {
		cfg.Mutation = graphql.NewObject(graphql.ObjectConfig{Name: "Mutation", Fields: b.mutations})
	}
	schema, err := graphql.NewSchema(cfg)
	return schema, b.notes, err
}

// filterInput is Strapi's <Scalar>FilterInput: the comparison operators,
// and/or over values of the field, and a nested not.
func filterInput(name string, t graphql.Input) *graphql.InputObject {
	var self *graphql.InputObject
	self = graphql.NewInputObject(graphql.InputObjectConfig{
		Name: name,
		Fields: graphql.InputObjectConfigFieldMapThunk(func() graphql.InputObjectConfigFieldMap {
			m := graphql.InputObjectConfigFieldMap{
				"and": {Type: graphql.NewList(t)},
				"or":  {Type: graphql.NewList(t)},
				"not": {Type: self},
			}
			for _, op := range gqlScalarOps {
				m[op] = &graphql.InputObjectFieldConfig{Type: t}
			}
			for _, op := range gqlListOps {
				m[op] = &graphql.InputObjectFieldConfig{Type: graphql.NewList(t)}
			}
			for _, op := range gqlBoolOps {
				m[op] = &graphql.InputObjectFieldConfig{Type: graphql.Boolean}
			}
			return m
		}),
	})
	return self
}

// outputType is how an attribute's values read in GraphQL; dates and
// times are strings in the REST format.
func (b *gqlBuilder) outputType(t content.AttrType) graphql.Output {
	switch t.Info().GraphQL {
	case "Int":
		return graphql.Int
	case "Float":
		return graphql.Float
	case "Boolean":
		return graphql.Boolean
	case "JSON":
		return b.json
	}
	return graphql.String
}

func (b *gqlBuilder) inputType(t content.AttrType) graphql.Input {
	return b.outputType(t).(graphql.Input)
}

// gqlCamel turns a kebab-case type name into camelCase: blog-post → blogPost.
func gqlCamel(name string) string {
	p := gqlPascal(name)
	return strings.ToLower(p[:1]) + p[1:]
}

// gqlPascal turns a kebab-case type name into PascalCase: blog-post → BlogPost.
func gqlPascal(name string) string {
	var sb strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			sb.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return sb.String()
}

// addType adds a content type's object, input and filter types, its
// queries and its mutations. A type whose GraphQL names another type has
// taken already is left out with a note rather than breaking the schema.
func (b *gqlBuilder) addType(ct content.ContentType, dateTimeFilter *graphql.InputObject) {
	pascal := gqlPascal(ct.SingularName)
	single := gqlCamel(ct.SingularName)
	collection := ct.Kind != content.SingleType
	typeNames := []string{pascal, pascal + "Input"}
	queries := []string{single}
	mutations := []string{"update" + pascal, "delete" + pascal}
	plural := gqlCamel(ct.PluralName)
	if collection {
		typeNames = append(typeNames, pascal+"FiltersInput", pascal+"EntityResponseCollection")
		queries = append(queries, plural, plural+"_connection")
		mutations = append(mutations, "create"+pascal)
	}
	enums := map[string]*graphql.Enum{}
	for _, a := range ct.Attributes {
		if a.Type != content.TypeEnumeration {
			continue
		}
		name, e := gqlEnum(pascal, a)
		if e == nil {
			b.notes = append(b.notes, ct.UID()+": enumeration "+a.Name+" has a value that is not a GraphQL name; it reads as a String")
			continue
		}
		typeNames = append(typeNames, name)
		enums[a.Name] = e
	}
	for _, n := range typeNames {
		if b.typeNames[n] {
			b.notes = append(b.notes, ct.UID()+": the GraphQL type name "+n+" is taken")
			return
		}
	}
	for _, n := range queries {
		if _, taken := b.queries[n]; taken {
			b.notes = append(b.notes, ct.UID()+": the GraphQL query "+n+" is taken")
			return
		}
	}
	for _, n := range mutations {
		if _, taken := b.mutations[n]; taken {
			b.notes = append(b.notes, ct.UID()+": the GraphQL mutation "+n+" is taken")
			return
		}
	}
	for _, n := range typeNames {
		b.typeNames[n] = true
	}

	fields := graphql.Fields{"documentId": {Type: graphql.NewNonNull(graphql.ID)}}
	inputs := graphql.InputObjectConfigFieldMap{}
	filterFields := graphql.InputObjectConfigFieldMap{"documentId": {Type: b.filters[graphql.ID]}}
	for _, a := range ct.Attributes {
		if strings.HasPrefix(a.Name, "__") { // reserved by GraphQL introspection
			b.notes = append(b.notes, ct.UID()+": attribute "+a.Name+" starts with __")
			continue
		}
		in, out := b.inputType(a.Type), b.outputType(a.Type)
		if e := enums[a.Name]; e != nil {
			in, out = e, e
		}
		inputs[a.Name] = &graphql.InputObjectFieldConfig{Type: in}
		if a.Private {
			continue
		}
		fields[a.Name] = &graphql.Field{Type: out}
		switch f := b.filterByName[a.Type.Info().GraphQLFilter]; {
		case f == nil: // json: not filterable, as in REST
		case a.Name == "and" || a.Name == "or" || a.Name == "not":
			b.notes = append(b.notes, ct.UID()+": attribute "+a.Name+" cannot be filtered on: the name is an operator")
		default:
			filterFields[a.Name] = &graphql.InputObjectFieldConfig{Type: f}
		}
	}
	for _, f := range []string{content.FieldCreatedAt, content.FieldUpdatedAt, content.FieldPublishedAt} {
		fields[f] = &graphql.Field{Type: graphql.String}
		filterFields[f] = &graphql.InputObjectFieldConfig{Type: dateTimeFilter}
	}
	obj := graphql.NewObject(graphql.ObjectConfig{Name: pascal, Description: ct.Description, Fields: fields})
	var input graphql.Input = graphql.String // a type without attributes takes no data
	if len(inputs) > 0 {
		input = graphql.NewInputObject(graphql.InputObjectConfig{Name: pascal + "Input", Fields: inputs})
	} else {
		b.notes = append(b.notes, ct.UID()+": no attributes, so its mutations take no data")
	}
	withData := func(args graphql.FieldConfigArgument) graphql.FieldConfigArgument {
		if len(inputs) > 0 {
			args["data"] = &graphql.ArgumentConfig{Type: graphql.NewNonNull(input)}
		}
		return args
	}
	docArg := func() graphql.FieldConfigArgument {
		return graphql.FieldConfigArgument{"documentId": {Type: graphql.NewNonNull(graphql.ID)}}
	}

	if !collection {
		b.queries[single] = &graphql.Field{Type: obj, Resolve: gqlSingle(ct)}
		b.mutations["update"+pascal] = &graphql.Field{Type: obj, Args: withData(graphql.FieldConfigArgument{}), Resolve: gqlUpdate(ct)}
		b.mutations["delete"+pascal] = &graphql.Field{Type: b.deleted, Resolve: gqlDelete(ct)}
		return
	}
	var filters *graphql.InputObject
	filters = graphql.NewInputObject(graphql.InputObjectConfig{
		Name: pascal + "FiltersInput",
		Fields: graphql.InputObjectConfigFieldMapThunk(func() graphql.InputObjectConfigFieldMap {
			m := maps.Clone(filterFields)
			m["and"] = &graphql.InputObjectFieldConfig{Type: graphql.NewList(filters)}
			m["or"] = &graphql.InputObjectFieldConfig{Type: graphql.NewList(filters)}
			m["not"] = &graphql.InputObjectFieldConfig{Type: filters}
			return m
		}),
	})
	findArgs := func() graphql.FieldConfigArgument {
		return graphql.FieldConfigArgument{
			"filters":    {Type: filters},
			"sort":       {Type: graphql.NewList(graphql.String)},
			"pagination": {Type: b.pagination},
		}
	}
	b.queries[plural] = &graphql.Field{Type: graphql.NewNonNull(graphql.NewList(obj)), Args: findArgs(), Resolve: gqlFind(ct, false)}
	// Strapi 5's <plural>_connection: the nodes and the page they are.
	connection := graphql.NewObject(graphql.ObjectConfig{
		Name: pascal + "EntityResponseCollection",
		Fields: graphql.Fields{
			"nodes":    {Type: graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(obj)))},
			"pageInfo": {Type: graphql.NewNonNull(b.pageInfo)},
		},
	})
	b.queries[plural+"_connection"] = &graphql.Field{Type: connection, Args: findArgs(), Resolve: gqlFind(ct, true)}
	b.queries[single] = &graphql.Field{Type: obj, Args: docArg(), Resolve: gqlFindOne(ct)}
	b.mutations["create"+pascal] = &graphql.Field{Type: obj, Args: withData(graphql.FieldConfigArgument{}), Resolve: gqlCreate(ct)}
	b.mutations["update"+pascal] = &graphql.Field{Type: obj, Args: withData(docArg()), Resolve: gqlUpdate(ct)}
	b.mutations["delete"+pascal] = &graphql.Field{Type: b.deleted, Args: docArg(), Resolve: gqlDelete(ct)}
}

// gqlEnumName matches the names GraphQL allows.
var gqlEnumName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]*$`)

// gqlEnum is Strapi's enum for an enumeration attribute:
// ENUM_<TYPE>_<ATTRIBUTE> in upper case, one value per schema value, its
// name the value with runs of other characters turned into "_" (Strapi's
// toRegressedEnumValue on the plain values schemas use). It is nil when a
// value still is no GraphQL name or two values collide.
func gqlEnum(pascal string, a content.Attribute) (string, *graphql.Enum) {
	name := "ENUM_" + strings.ToUpper(pascal) + "_" + strings.ToUpper(a.Name)
	values := graphql.EnumValueConfigMap{}
	for _, v := range a.Enum {
		n := gqlEnumRegress.ReplaceAllString(v, "_")
		if !gqlEnumName.MatchString(n) || values[n] != nil || n == "true" || n == "false" || n == "null" {
			return name, nil
		}
		values[n] = &graphql.EnumValueConfig{Value: v}
	}
	if len(values) == 0 {
		return name, nil
	}
	return name, graphql.NewEnum(graphql.EnumConfig{Name: name, Values: values})
}

var gqlEnumRegress = regexp.MustCompile(`[^_0-9A-Za-z]+`)

// jsonLiteral reads a JSON scalar written inline in the document. Numbers
// stay exact as json.Number; variables inside a literal are not supported.
func jsonLiteral(v ast.Value) any {
	switch v := v.(type) {
	case *ast.StringValue:
		return v.Value
	case *ast.BooleanValue:
		return v.Value
	case *ast.IntValue:
		return json.Number(v.Value)
	case *ast.FloatValue:
		return json.Number(v.Value)
	case *ast.ListValue:
		out := make([]any, 0, len(v.Values))
		for _, e := range v.Values {
			x := jsonLiteral(e)
			if x == nil {
				return nil
			}
			out = append(out, x)
		}
		return out
	case *ast.ObjectValue:
		out := make(map[string]any, len(v.Fields))
		for _, f := range v.Fields {
			x := jsonLiteral(f.Value)
			if x == nil || f.Name == nil {
				return nil
			}
			out[f.Name.Value] = x
		}
		return out
	}
	return nil
}
