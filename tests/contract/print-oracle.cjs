// Prints, with graphql-js, a one-type schema per description text that
// api/src/graphql/sdl.rs's unit test compares with its own print. Regenerate with
//   node tests/contract/print-oracle.cjs > api/src/graphql/sdl-oracle.json
const {GraphQLSchema,GraphQLObjectType,GraphQLInt,printSchema}=require('graphql');
const texts=["short", "x".repeat(71), "line one\nline two", "ends with a quote\"", "has \"\"\" triple", "  leading space", "tab\tinside", "esc \u001b char", "back\\slash\\", "unicode é ü — ok", "", "\n starts with newline", "a\n\nb", "  indented\n  both"];
const out=texts.map(t=>{
  const q=new GraphQLObjectType({name:'Query',description:t,fields:{f:{type:GraphQLInt,description:t}, g:{type:GraphQLInt, description:t}}});
  return [t, printSchema(new GraphQLSchema({query:q}))];
});
console.log(JSON.stringify(out));
