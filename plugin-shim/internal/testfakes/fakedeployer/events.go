package fakedeployer

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// Epoch is the time of scripted events.
var Epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Progress is a persisted progress event.
func Progress(op string, seq int64, text string) *pb.Event {
	return &pb.Event{OperationId: op, Seq: seq, Time: timestamppb.New(Epoch.Add(time.Duration(seq) * time.Second)),
		Kind: &pb.Event_Progress{Progress: &pb.Progress{Level: pb.Level_LEVEL_INFO, Text: text}}}
}

// Stopped is the final event of a watch.
func Stopped(seq int64, op *pb.Operation) *pb.Event {
	return &pb.Event{OperationId: op.GetId(), Seq: seq, Time: timestamppb.New(Epoch.Add(time.Duration(seq) * time.Second)),
		Kind: &pb.Event_Stopped{Stopped: &pb.Stopped{Operation: op}}}
}

// Op is an operation in a state.
func Op(id string, state pb.State) *pb.Operation {
	return &pb.Operation{Id: id, State: state, MtaId: "hello", ProcessType: pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY}
}
