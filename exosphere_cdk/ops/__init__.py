"""Operations on an app or a cloud assembly (plan, cost, graph, schema, guard): they return data."""
